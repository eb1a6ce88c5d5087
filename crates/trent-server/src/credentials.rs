//! AWS shared-credentials files: the one Trent writes for its first administrator, and the
//! credential sources the `trent` client reads, in the order the AWS CLI reads them.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Credentials a client signs with. `Debug` never shows the secret.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Writes a shared-credentials file readable only by its owner, with the `[default]` profile.
/// The region line is read by the AWS CLI and boto3 too, so the file alone is enough to call Trent.
pub fn write_file(
    path: &Path,
    access_key_id: &str,
    secret_access_key: &str,
    region: &str,
) -> anyhow::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        file,
        "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret_access_key}\nregion = {region}"
    )?;
    file.sync_all()?;
    Ok(())
}

/// Reads credentials as the AWS CLI does: the environment, then the shared credentials file
/// (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, profile `AWS_PROFILE` or `default`),
/// and finally the file the local Trent server wrote at its first start.
pub fn load(profile: Option<&str>) -> anyhow::Result<Credentials> {
    if let (Ok(id), Ok(secret)) = (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) && profile.is_none()
        && !id.is_empty()
    {
        return Ok(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: std::env::var("AWS_SESSION_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
        });
    }
    let profile = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".to_string());
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(path) = std::env::var("AWS_SHARED_CREDENTIALS_FILE") {
        candidates.push(path.into());
    } else if let Ok(home) = std::env::var("HOME") {
        candidates.push(Path::new(&home).join(".aws/credentials"));
    }
    let data_dir = std::env::var("TRENT_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| crate::default_data_dir());
    candidates.push(data_dir.join("credentials"));
    for path in candidates {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        if let Some(credentials) = parse_profile(&text, &profile) {
            return Ok(credentials);
        }
    }
    bail!(
        "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_SHARED_CREDENTIALS_FILE (profile '{profile}')"
    )
}

/// The credentials of one `[profile]` of an INI-style credentials file.
fn parse_profile(text: &str, profile: &str) -> Option<Credentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.trim();
            in_profile = section == profile
                || section.strip_prefix("profile ").map(str::trim) == Some(profile);
            continue;
        }
        if !in_profile {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim() {
            "aws_access_key_id" => id = Some(value),
            "aws_secret_access_key" => secret = Some(value),
            "aws_session_token" => token = Some(value),
            _ => {}
        }
    }
    Some(Credentials {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_profile() {
        let text = "[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n[other]\naws_access_key_id=C\naws_secret_access_key=D\naws_session_token=E\n";
        let c = parse_profile(text, "other").unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("C", "D")
        );
        assert_eq!(c.session_token.as_deref(), Some("E"));
        assert!(parse_profile(text, "missing").is_none());
    }

    #[test]
    fn written_file_is_private_and_readable_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        write_file(&path, "AKIAEXAMPLE", "secret/+", "us-east-1").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let c = parse_profile(&fs::read_to_string(&path).unwrap(), "default").unwrap();
        assert_eq!(c.secret_access_key, "secret/+");
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = Credentials {
            access_key_id: "A".into(),
            secret_access_key: "TOPSECRET".into(),
            session_token: None,
        };
        assert!(!format!("{c:?}").contains("TOPSECRET"));
    }
}
