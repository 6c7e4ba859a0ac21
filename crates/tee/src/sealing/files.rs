//! Creating secret files without a window where they are readable by others or half-written.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::SealError;

/// Wraps an IO error with the path it concerns.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SealError + '_ {
    move |source| SealError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `contents` to `path` (which must not exist) with mode 0600: written to a
/// `*.tmp` sibling created with `create_new`, synced, renamed into place, directory synced.
/// A crash leaves either no file or the whole file, never a truncated key.
pub(crate) fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), SealError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error(dir))?;
    let tmp = tmp_path(path);
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_error(&tmp)(err)),
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io_error(&tmp))?;
    file.write_all(contents).map_err(io_error(&tmp))?;
    file.sync_all().map_err(io_error(&tmp))?;
    drop(file);
    if path.exists() {
        // Another process created it meanwhile: keep theirs, never overwrite a key.
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path)(io::Error::from(
            io::ErrorKind::AlreadyExists,
        )));
    }
    fs::rename(&tmp, path).map_err(io_error(path))?;
    // The rename is durable only once the directory entry is.
    File::open(dir)
        .and_then(|dir_file| dir_file.sync_all())
        .map_err(io_error(dir))
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn secret_file_is_0600_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret");
        write_secret_file(&path, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!tmp_path(&path).exists());
        assert!(write_secret_file(&path, b"two").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }
}
