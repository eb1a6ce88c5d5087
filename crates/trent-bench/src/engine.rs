//! The timed phase: `--concurrency` workers sending one pre-built request over and over.
//!
//! # Why it is built this way
//!
//! * Each worker owns its connection and its [`Tally`], so the hot path shares nothing but one
//!   atomic counter (and only with `--count`); tallies are merged once at the end.
//! * Connections are opened before the clock starts: the measurement is of requests, not of
//!   TCP and TLS handshakes (a connection that breaks mid-run is reopened inside the timed
//!   request that needs it, and counted).
//! * Closed loop (the default) measures capacity: each worker sends as soon as it is answered.
//! * Open loop (`--rate`) measures latency at a given load: request *k* is due at
//!   `start + k / rate` whatever happened before, any free worker takes it, and its latency is
//!   counted from when it was due, not from when it was sent. A server that stalls therefore
//!   shows the stall in every request that should have been sent meanwhile, instead of the
//!   generator politely waiting ("coordinated omission"). The due times are released by a
//!   [`pacer`] thread sleeping with the operating system's precision (tens of microseconds)
//!   rather than on Tokio's millisecond timer, which would add up to a millisecond of its own
//!   lateness to every request.
//!
//! The [`Schedule`] (when to stop, what counts) is shared with the in-process `RawSign`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use crate::args::{Limit, Settings};
use crate::client::{Answer, Call, Client, Endpoint, Failure, Signer};
use crate::report::{Measured, Tally};

/// After a failed connection attempt a worker waits this long before trying again, so that a
/// dead endpoint yields a count of errors rather than a busy loop.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// When a run starts measuring and stops, shared by all its workers.
#[derive(Debug)]
pub(crate) struct Schedule {
    started: Instant,
    measure_from: Instant,
    stop_at: Option<Instant>,
    count: Option<u64>,
    issued: AtomicU64,
    rate: Option<f64>,
}

/// What a worker does with its next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Nothing: the run is over.
    Stop,
    /// Send it, but do not count it (warm-up).
    WarmUp,
    /// Send it and count it.
    Measure,
}

impl Schedule {
    pub(crate) fn new(settings: &Settings, started: Instant) -> Schedule {
        let measure_from = started + settings.warmup;
        let (stop_at, count) = match settings.limit {
            Limit::Duration(duration) => (Some(measure_from + duration), None),
            Limit::Count(count) => (None, Some(count)),
        };
        Schedule {
            started,
            measure_from,
            stop_at,
            count,
            issued: AtomicU64::new(0),
            rate: settings.rate,
        }
    }

    pub(crate) fn measure_from(&self) -> Instant {
        self.measure_from
    }

    fn is_open_loop(&self) -> bool {
        self.rate.is_some()
    }

    /// Whether the run has ended by the clock at `now`.
    pub(crate) fn is_over(&self, now: Instant) -> bool {
        self.stop_at.is_some_and(|stop| now >= stop)
    }

    /// What to do with a request due (or, closed loop, starting) at `due`. With `--count`,
    /// a `Measure` answer uses up one of the requests.
    pub(crate) fn turn(&self, due: Instant) -> Turn {
        if self.is_over(due) {
            return Turn::Stop;
        }
        if due < self.measure_from {
            return Turn::WarmUp;
        }
        match self.count {
            Some(count) if self.issued.fetch_add(1, Ordering::Relaxed) >= count => Turn::Stop,
            _ => Turn::Measure,
        }
    }

    /// Open loop: when request `k` (counted from 0 over all workers) is due.
    fn due(&self, k: u64) -> Option<Instant> {
        let rate = self.rate?;
        let offset = k as f64 / rate;
        Duration::try_from_secs_f64(offset)
            .ok()
            .and_then(|offset| self.started.checked_add(offset))
    }
}

/// Opens the connections, runs the workers until the schedule ends, and merges their counts.
pub(crate) async fn drive(
    endpoint: &Arc<Endpoint>,
    signer: &Arc<Signer>,
    call: &Call,
    settings: &Settings,
) -> anyhow::Result<Measured> {
    let mut clients = Vec::with_capacity(settings.concurrency);
    for _ in 0..settings.concurrency {
        let mut client = Client::new(endpoint.clone(), signer.clone());
        client
            .connect()
            .await
            .map_err(|failure| anyhow!(failure))
            .with_context(|| format!("cannot connect to {}", endpoint.url()))?;
        clients.push(client);
    }
    tracing::info!(
        operation = call.operation(),
        connections = settings.concurrency,
        "measuring"
    );

    let call = Arc::new(call.clone());
    let schedule = Arc::new(Schedule::new(settings, Instant::now()));
    let releases = Arc::new(Releases::default());
    let pacer = schedule.is_open_loop().then(|| {
        let (schedule, releases) = (schedule.clone(), releases.clone());
        tokio::task::spawn_blocking(move || pacer(&schedule, &releases))
    });
    let workers: Vec<_> = clients
        .into_iter()
        .map(|client| {
            tokio::spawn(work(
                client,
                call.clone(),
                schedule.clone(),
                releases.clone(),
                settings.timeout,
            ))
        })
        .collect();
    let mut total = Tally::new(schedule.is_open_loop());
    let mut lost_worker = None;
    for worker in workers {
        match worker.await {
            Ok(tally) => total.merge(tally),
            Err(err) => lost_worker = Some(err),
        }
    }
    // Every worker has stopped, so the pacer must stop too (if it has not already).
    releases.permits.close();
    if let Some(pacer) = pacer {
        pacer.await.context("the pacer failed")?;
    }
    if let Some(err) = lost_worker {
        return Err(anyhow!(err).context("a load worker failed"));
    }
    Ok(Measured {
        tally: total,
        measure_from: schedule.measure_from(),
    })
}

/// Open loop: requests that have fallen due, as permits any free worker can take.
#[derive(Debug)]
struct Releases {
    /// One permit per request that is due and not yet taken; closed when the run ends.
    permits: tokio::sync::Semaphore,
    /// How many permits were taken: the k of the request a worker is about to send.
    taken: AtomicU64,
}

impl Default for Releases {
    fn default() -> Self {
        Releases {
            permits: tokio::sync::Semaphore::new(0),
            taken: AtomicU64::new(0),
        }
    }
}

impl Releases {
    /// Waits for a due request and returns when it was due, or `None` once the run is over.
    async fn next_due(&self, schedule: &Schedule) -> Option<Instant> {
        self.permits.acquire().await.ok()?.forget();
        schedule.due(self.taken.fetch_add(1, Ordering::Relaxed))
    }
}

/// The open loop's clock, on a thread of its own: releases request `k` when `start + k / rate`
/// has passed (in batches when it wakes late), until the duration is over or the workers have
/// stopped. A thread sleep is precise to tens of microseconds; Tokio's timer only to one
/// millisecond.
fn pacer(schedule: &Schedule, releases: &Releases) {
    /// Longest sleep, so that a run stopped by `--count` is noticed soon.
    const LONGEST_NAP: Duration = Duration::from_millis(20);
    /// Shortest sleep: at high rates requests are released in small batches rather than one
    /// wake-up each, which would cost the generator more CPU than the requests themselves.
    const SHORTEST_NAP: Duration = Duration::from_micros(200);
    let mut released = 0u64;
    while !releases.permits.is_closed() {
        let now = Instant::now();
        let mut newly_due = 0usize;
        // The first request not due yet, if any more will be before the end.
        let upcoming = loop {
            match schedule.due(released).filter(|due| !schedule.is_over(*due)) {
                Some(due) if due <= now => {
                    released += 1;
                    newly_due += 1;
                }
                other => break other,
            }
        };
        if newly_due > 0 {
            releases.permits.add_permits(newly_due);
        }
        // Sleep until it is due or, when none will be, until the end (so that what was just
        // released can still be sent).
        let Some(wake_at) = upcoming.or(schedule.stop_at) else {
            break;
        };
        if upcoming.is_none() && now >= wake_at {
            break;
        }
        std::thread::sleep(
            wake_at
                .saturating_duration_since(Instant::now())
                .clamp(SHORTEST_NAP, LONGEST_NAP),
        );
    }
    releases.permits.close();
}

/// One worker: sends `call` on its own connection until the schedule says stop.
async fn work(
    mut client: Client,
    call: Arc<Call>,
    schedule: Arc<Schedule>,
    releases: Arc<Releases>,
    timeout: Duration,
) -> Tally {
    let mut tally = Tally::new(schedule.is_open_loop());
    loop {
        let due = if schedule.is_open_loop() {
            match releases.next_due(&schedule).await {
                Some(due) => due,
                None => break,
            }
        } else {
            Instant::now()
        };
        let sent = Instant::now();
        // Open loop: a backlog left when the time is up is not sent.
        if schedule.is_over(sent) {
            break;
        }
        let turn = schedule.turn(due);
        if turn == Turn::Stop {
            // `--count` reached: wake the other open-loop workers so that they stop too.
            releases.permits.close();
            break;
        }

        let outcome = match tokio::time::timeout(timeout, client.send(&call)).await {
            Ok(answer) => answer.and_then(Answer::into_result).map(drop),
            Err(_) => Err(Failure::new(
                Failure::TIMEOUT,
                format!("no answer within {:.3} s", timeout.as_secs_f64()),
            )),
        };
        let done = Instant::now();
        let mut pause = false;
        match outcome {
            Ok(()) if turn == Turn::Measure => tally.success(done - due, done - sent, done),
            Ok(()) => {}
            Err(failure) => {
                pause = failure.kind == Failure::CONNECT;
                if turn == Turn::Measure {
                    tally.failure(failure, done);
                }
            }
        }
        if pause {
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
    tally.reconnects = client.reconnects();
    tally
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn settings(args: &[&str]) -> Settings {
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            bench: crate::BenchArgs,
        }
        let mut argv = vec!["bench", "--endpoint", "http://127.0.0.1:1"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap().bench.settings().unwrap()
    }

    #[test]
    fn count_mode_hands_out_exactly_count_measured_turns_after_warm_up() {
        let start = Instant::now();
        let schedule = Schedule::new(&settings(&["--count", "3", "--warmup", "1"]), start);
        assert_eq!(schedule.turn(start), Turn::WarmUp);
        let later = start + Duration::from_secs(2);
        let turns: Vec<_> = (0..5).map(|_| schedule.turn(later)).collect();
        assert_eq!(
            turns,
            [
                Turn::Measure,
                Turn::Measure,
                Turn::Measure,
                Turn::Stop,
                Turn::Stop
            ]
        );
    }

    #[test]
    fn duration_mode_stops_at_warm_up_plus_duration() {
        let start = Instant::now();
        let schedule = Schedule::new(&settings(&["--duration", "2", "--warmup", "1"]), start);
        assert_eq!(
            schedule.turn(start + Duration::from_millis(2999)),
            Turn::Measure
        );
        assert_eq!(schedule.turn(start + Duration::from_secs(3)), Turn::Stop);
        assert!(schedule.is_over(start + Duration::from_secs(3)));
    }

    #[test]
    fn open_loop_requests_are_due_at_even_intervals() {
        let start = Instant::now();
        let schedule = Schedule::new(&settings(&["--rate", "100", "--concurrency", "4"]), start);
        let offset = |k| schedule.due(k).unwrap() - start;
        assert_eq!(offset(0), Duration::ZERO);
        assert_eq!(offset(1), Duration::from_millis(10));
        assert_eq!(offset(25), Duration::from_millis(250));
        let closed = Schedule::new(&settings(&[]), start);
        assert_eq!(closed.due(3), None);
    }

    #[tokio::test]
    async fn the_pacer_releases_what_is_due_and_closes_at_the_end() {
        let schedule = Arc::new(Schedule::new(
            &settings(&["--rate", "1000", "--duration", "0.05"]),
            Instant::now(),
        ));
        let releases = Arc::new(Releases::default());
        let pacing = {
            let (schedule, releases) = (schedule.clone(), releases.clone());
            tokio::task::spawn_blocking(move || pacer(&schedule, &releases))
        };
        let mut dues = Vec::new();
        while let Some(due) = releases.next_due(&schedule).await {
            assert!(due <= Instant::now());
            dues.push(due);
        }
        pacing.await.unwrap();
        // 50 ms at 1000/s: requests 0..=49 are due before the end (on a loaded machine the
        // last may not be taken before the end).
        assert!((45..=50).contains(&dues.len()), "{}", dues.len());
        assert_eq!(
            dues.last().unwrap().duration_since(dues[0]),
            Duration::from_millis(dues.len() as u64 - 1)
        );
    }
}
