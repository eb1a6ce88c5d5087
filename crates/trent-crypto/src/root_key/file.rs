//! The file root-key provider: 32 random bytes in a versioned text file readable only by its
//! owner.
//!
//! ```text
//! trent-root-key v1
//! <64 hexadecimal characters>
//! ```
//!
//! Creation writes a complete, fsynced temporary file (created with `O_CREAT|O_EXCL`, mode
//! `0600`) next to the target and publishes it with `link(2)`, which fails if the target
//! exists. So the key file is never seen half-written — not by a concurrent starter, not after
//! a crash — and of several concurrent creators exactly one wins; the others load its key.
//!
//! Loading refuses a file that group or others can access, that is not a regular file, or
//! whose content is not exactly the format above. Messages name the path and the problem,
//! never key bytes. This provider deliberately does not encrypt the file (that is the
//! passphrase provider's job) and does not check the file's owner.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random;
use crate::wrap::{WRAPPING_KEY_LEN, WrappingKey};

const MAGIC: &[u8] = b"trent-root-key ";
const HEADER_V1: &[u8] = b"trent-root-key v1";
const HEX_LEN: usize = 2 * WRAPPING_KEY_LEN;
/// Longer than any valid file; a bigger one is rejected before it is read.
const MAX_FILE_LEN: u64 = 1024;

/// Loads the root key from `path`, or creates it there (mode `0600`) if the file does not
/// exist. Returns the key and whether this call created it.
pub fn load_or_create_root_key_file(path: &Path) -> Result<(WrappingKey, bool), CryptoError> {
    if let Some(key) = load(path)? {
        return Ok((key, false));
    }
    if create(path)? {
        // Read back what was published, so the caller holds exactly the key on disk.
        return match load(path)? {
            Some(key) => Ok((key, true)),
            None => Err(error(path, "disappeared right after it was created")),
        };
    }
    // Another process or thread created it first; use theirs.
    match load(path)? {
        Some(key) => Ok((key, false)),
        None => Err(error(path, "was created concurrently and then disappeared")),
    }
}

fn error(path: &Path, problem: impl std::fmt::Display) -> CryptoError {
    CryptoError::RootKey(format!("root key file {}: {problem}", path.display()))
}

/// `Ok(None)` if there is no file at `path`.
fn load(path: &Path) -> Result<Option<WrappingKey>, CryptoError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(path, format_args!("cannot open: {e}"))),
    };
    // fstat the opened file, not the path, so the checks apply to what is actually read.
    let meta = file
        .metadata()
        .map_err(|e| error(path, format_args!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(error(path, "is not a regular file"));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(error(
            path,
            format_args!(
                "is accessible by group or others (mode {mode:04o}); \
                 restrict it with `chmod 600 {}`",
                path.display()
            ),
        ));
    }
    if meta.len() > MAX_FILE_LEN {
        return Err(error(path, "is too large to be a root key file"));
    }
    let mut contents = Zeroizing::new(Vec::with_capacity(128));
    (&mut file)
        .take(MAX_FILE_LEN + 1)
        .read_to_end(&mut contents)
        .map_err(|e| error(path, format_args!("cannot read: {e}")))?;
    parse(&contents)
        .map(Some)
        .map_err(|problem| error(path, problem))
}

/// Parses the file format; the error text never contains file content.
fn parse(contents: &[u8]) -> Result<WrappingKey, &'static str> {
    let body = contents.strip_suffix(b"\n").unwrap_or(contents);
    let mut lines = body.split(|&b| b == b'\n');
    let header = lines.next().unwrap_or_default();
    if header != HEADER_V1 {
        return Err(if header.starts_with(MAGIC) {
            "has an unsupported format version (this Trent reads `trent-root-key v1`)"
        } else {
            "is not a Trent root key file (the first line must be `trent-root-key v1`)"
        });
    }
    let Some(hex) = lines.next() else {
        return Err("has no key line");
    };
    if lines.next().is_some() {
        return Err("has content after the key line");
    }
    if hex.len() != HEX_LEN {
        return Err("key line must be exactly 64 hexadecimal characters (a 256-bit key)");
    }
    let mut bytes = Zeroizing::new([0u8; WRAPPING_KEY_LEN]);
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(high), Some(low)) => *byte = high << 4 | low,
            _ => return Err("key line contains a character that is not hexadecimal"),
        }
    }
    WrappingKey::from_bytes(bytes.as_ref()).map_err(|_| "key has the wrong length")
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn encode(key: &WrappingKey) -> Zeroizing<Vec<u8>> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let secret = key.to_secret();
    let mut out = Zeroizing::new(Vec::with_capacity(HEADER_V1.len() + HEX_LEN + 2));
    out.extend_from_slice(HEADER_V1);
    out.push(b'\n');
    for &byte in secret.expose() {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
    }
    out.push(b'\n');
    out
}

/// Generates a key and publishes it at `path`. `Ok(false)` if a file already exists there.
fn create(path: &Path) -> Result<bool, CryptoError> {
    let name = path
        .file_name()
        .ok_or_else(|| error(path, "the path does not name a file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let suffix: String = random::random_array::<8>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.{suffix}.tmp", std::process::id()));
    let temp = dir.join(temp_name);

    let result = write_temp(&temp).and_then(|()| publish(&temp, path));
    // The temporary name is ours alone; remove it whether or not publishing worked.
    let _ = fs::remove_file(&temp);
    let published = result.map_err(|e| error(path, format_args!("cannot create: {e}")))?;
    if published {
        sync_dir(&dir).map_err(|e| {
            error(
                path,
                format_args!("cannot sync directory {}: {e}", dir.display()),
            )
        })?;
    }
    Ok(published)
}

fn write_temp(temp: &Path) -> io::Result<()> {
    let contents = encode(&WrappingKey::generate());
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?;
    // The umask may have removed bits from 0600 (never added any): restore exactly 0600.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(&contents)?;
    file.sync_all()
}

/// `Ok(false)` if `path` already exists.
fn publish(temp: &Path, path: &Path) -> io::Result<bool> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn message(result: Result<(WrappingKey, bool), CryptoError>) -> String {
        match result {
            Err(CryptoError::RootKey(message)) => message,
            other => panic!("expected a root key error, got {other:?}"),
        }
    }

    fn write_file(path: &Path, contents: &[u8], mode: u32) {
        fs::write(path, contents).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn creates_0600_then_loads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (created_key, created) = load_or_create_root_key_file(&path).unwrap();
        assert!(created);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);

        let (loaded_key, created) = load_or_create_root_key_file(&path).unwrap();
        assert!(!created);
        assert!(
            loaded_key
                .to_secret()
                .ct_eq(created_key.to_secret().expose())
        );

        // The format on disk, and no temporary file left behind.
        let text = fs::read_to_string(&path).unwrap();
        let expected = format!(
            "trent-root-key v1\n{}\n",
            hex(created_key.to_secret().expose())
        );
        assert_eq!(text, expected);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn load_root_key_dispatches_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let source = crate::root_key::RootKeySource::File(dir.path().join("rk"));
        let first = crate::root_key::load_root_key(&source).unwrap();
        let second = crate::root_key::load_root_key(&source).unwrap();
        assert!(first.created && !second.created);
        assert!(first.key.to_secret().ct_eq(second.key.to_secret().expose()));
    }

    #[test]
    fn refuses_group_or_other_access() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (key, _) = load_or_create_root_key_file(&path).unwrap();
        let key_hex = hex(key.to_secret().expose());
        for mode in [0o644, 0o640, 0o604, 0o660, 0o601, 0o610] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let msg = message(load_or_create_root_key_file(&path));
            assert!(msg.contains("group or others"), "{msg}");
            assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
            assert!(!msg.contains(&key_hex));
        }
        // Owner-only modes stricter than 0600 are fine.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        let (again, created) = load_or_create_root_key_file(&path).unwrap();
        assert!(!created);
        assert!(again.to_secret().ct_eq(key.to_secret().expose()));
    }

    #[test]
    fn refuses_malformed_files_without_echoing_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let good_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\n".to_vec(),
            b"\xff\xfe\x00garbage\x00\n\n\n".to_vec(),
            format!("trent-root-key v2\n{good_hex}\n").into_bytes(),
            format!("trent-root-key v1\n{}\n", &good_hex[..62]).into_bytes(),
            format!("trent-root-key v1\n{good_hex}00\n").into_bytes(),
            format!("trent-root-key v1\n{}zz\n", &good_hex[..62]).into_bytes(),
            format!("trent-root-key v1\n{good_hex}\n\n").into_bytes(),
            format!("trent-root-key v1\n{good_hex}\nextra\n").into_bytes(),
            format!("trent-root-key v1\r\n{good_hex}\r\n").into_bytes(),
            format!(" trent-root-key v1\n{good_hex}\n").into_bytes(),
            b"trent-root-key v1\n".to_vec(),
            b"trent-root-key v1".to_vec(),
            good_hex.as_bytes().to_vec(),
            vec![b'a'; 5000],
        ];
        for contents in cases {
            write_file(&path, &contents, 0o600);
            let msg = message(load_or_create_root_key_file(&path));
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(!msg.contains(&good_hex[..16]), "{msg}");
        }
        // A valid file written by hand (upper-case hex, no final newline) loads.
        write_file(
            &path,
            format!("trent-root-key v1\n{}", good_hex.to_uppercase()).as_bytes(),
            0o600,
        );
        let (key, created) = load_or_create_root_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(hex(key.to_secret().expose()), good_hex);
    }

    #[test]
    fn refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        fs::create_dir(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
        let msg = message(load_or_create_root_key_file(&path));
        assert!(msg.contains("not a regular file"), "{msg}");
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("root.key");
        let msg = message(load_or_create_root_key_file(&path));
        assert!(msg.contains("cannot create"), "{msg}");
    }

    #[test]
    fn concurrent_creators_agree_on_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = Arc::new(dir.path().join("root.key"));
            let barrier = Arc::new(Barrier::new(4));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
                    std::thread::spawn(move || {
                        barrier.wait();
                        load_or_create_root_key_file(&path).unwrap()
                    })
                })
                .collect();
            let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
            let first = results[0].0.to_secret();
            for (key, _) in &results {
                assert!(key.to_secret().ct_eq(first.expose()));
            }
            let (on_disk, _) = load_or_create_root_key_file(&path).unwrap();
            assert!(on_disk.to_secret().ct_eq(first.expose()));
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }
}
