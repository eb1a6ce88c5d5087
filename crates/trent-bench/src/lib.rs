//! A SigV4-signing load generator (being written).
