//! Where results go: standard output, or a file written whole or not at all.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

use crate::error::{InputError, shown};

/// Writes `text` to standard output. A reader that went away (`| head`)
/// is not a failure: it has what it wanted.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing to standard output"))
        }
        _ => Ok(()),
    }
}

/// A file that appears at its path only once it is complete: the work goes
/// to a temporary file beside it, renamed over the target at the end and
/// removed if anything fails before.
#[derive(Debug)]
pub struct OutFile {
    flag: &'static str,
    target: PathBuf,
    temp: NamedTempFile,
}

impl OutFile {
    /// Checks that `target` (given by `flag`) can be written, by creating its
    /// temporary file now, before any work is done.
    ///
    /// # Errors
    ///
    /// [`InputError`] naming `flag` and the path when the target is a
    /// directory, its directory does not exist, or a file cannot be created
    /// there.
    pub fn create(flag: &'static str, target: &Path) -> Result<OutFile, InputError> {
        let bad = |why: String| {
            InputError::new(
                flag,
                Some(&target.display().to_string()),
                format!(": {why}"),
                None,
            )
        };
        let dir = file_dir(flag, target)?;
        // Backends that write by path pick the format from the extension,
        // so the temporary file keeps the target's.
        let suffix = target
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let mut builder = tempfile::Builder::new();
        builder.prefix(".leakscope-").suffix(&suffix);
        // A temporary file is private by default; the result is an
        // ordinary file for whoever reads the user's other files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let temp = builder.tempfile_in(dir).map_err(|e| {
            bad(format!(
                "cannot write in {} ({})",
                shown(&dir.display().to_string()),
                io_reason(&e)
            ))
        })?;
        Ok(OutFile {
            flag,
            target: target.to_path_buf(),
            temp,
        })
    }

    /// The temporary file's path, for writers that insist on a path.
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Writes `bytes` to the temporary file.
    pub fn write_all(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.temp.path().display().to_string();
        self.temp
            .write_all(bytes)
            .and_then(|()| self.temp.flush())
            .with_context(|| format!("writing {path}"))
    }

    /// Moves the finished file to its target.
    ///
    /// # Errors
    ///
    /// [`InputError`] naming the flag and the path when the rename fails;
    /// the temporary file is removed.
    pub fn commit(self) -> anyhow::Result<()> {
        let (flag, target) = (self.flag, self.target);
        self.temp.persist(&target).map_err(|e| {
            InputError::new(
                flag,
                Some(&target.display().to_string()),
                format!(": cannot write it ({})", io_reason(&e.error)),
                None,
            )
        })?;
        Ok(())
    }
}

/// The directory `target` (given by `flag`) would be written in, once it
/// is known to be a file name in an existing directory.
///
/// # Errors
///
/// [`InputError`] naming `flag` and the path when it is empty, a
/// directory, or in a directory that does not exist.
pub fn file_dir<'a>(flag: &str, target: &'a Path) -> Result<&'a Path, InputError> {
    let bad = |why: String| {
        InputError::new(
            flag,
            Some(&target.display().to_string()),
            format!(": {why}"),
            None,
        )
    };
    if target.as_os_str().is_empty() {
        return Err(InputError::new(
            flag,
            None,
            "needs a file name",
            Some("a path to a file in an existing directory"),
        ));
    }
    if target.is_dir() {
        return Err(bad("is a directory (allowed: a path to a file)".into()));
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(bad(format!(
            "directory {} does not exist",
            shown(&dir.display().to_string())
        )));
    }
    Ok(dir)
}

/// The reason of an I/O error, without the OS error number.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotFound => "no such directory".into(),
        io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        _ => e.to_string(),
    }
}

/// A number without trailing zeros, at most three decimals: `2`, `2.5`.
pub fn short_number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_replaces_the_target_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let mut f = OutFile::create("--out", &target).unwrap();
        assert!(!target.exists());
        f.write_all(b"a,b\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.svg");
        let mut f = OutFile::create("--out", &target).unwrap();
        f.write_all(b"<svg").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_names_the_flag_and_the_path() {
        let err = OutFile::create("--out", Path::new("/no/such/dir/x.svg")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--out /no/such/dir/x.svg: directory /no/such/dir does not exist"
        );
    }
}
