//! Reading a job's output files: a chunk from an offset, and the tail of its error output.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use stepd_adapter::LogChunk;

/// Up to `max` bytes of `path` from `offset`, as lossy UTF-8. A file not written yet reads as empty (a
/// pending job has no output), so pollers need no special case.
pub(crate) fn read_chunk(path: &Path, offset: u64, max: usize) -> io::Result<LogChunk> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(LogChunk {
                data: String::new(),
                next: offset,
            });
        }
        Err(e) => return Err(e),
    };
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    // `take` bounds the read by what is asked, so a huge `max` does not allocate more than the file has.
    file.take(max as u64).read_to_end(&mut bytes)?;
    Ok(LogChunk {
        next: offset + bytes.len() as u64,
        data: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// The last `max` bytes of `path`, starting at a character boundary: the bytes a cut left of a split
/// character are dropped rather than shown as replacement characters.
pub(crate) fn read_tail(path: &Path, max: usize) -> io::Result<String> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max as u64);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(max as u64).read_to_end(&mut bytes)?;
    let skip = if start > 0 {
        // A UTF-8 character is at most 4 bytes, so at most 3 continuation bytes can lead the cut.
        bytes
            .iter()
            .take(3)
            .take_while(|&&b| b & 0b1100_0000 == 0b1000_0000)
            .count()
    } else {
        0
    };
    Ok(String::from_utf8_lossy(&bytes[skip..]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_offsets() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out");
        std::fs::write(&path, "hello world")?;
        let a = read_chunk(&path, 0, 5)?;
        assert_eq!((a.data.as_str(), a.next), ("hello", 5));
        let b = read_chunk(&path, a.next, usize::MAX)?;
        assert_eq!((b.data.as_str(), b.next), (" world", 11));
        let c = read_chunk(&path, b.next, 10)?;
        assert_eq!((c.data.as_str(), c.next), ("", 11));
        let none = read_chunk(&dir.path().join("missing"), 7, 10)?;
        assert_eq!((none.data.as_str(), none.next), ("", 7));
        Ok(())
    }

    #[test]
    fn tails_start_at_a_character() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("err");
        std::fs::write(&path, "aé€x")?; // a(1) é(2) €(3) x(1)
        assert_eq!(read_tail(&path, 4)?, "€x");
        assert_eq!(read_tail(&path, 3)?, "x"); // cut inside €: its two trailing bytes dropped
        assert_eq!(read_tail(&path, 100)?, "aé€x");
        assert_eq!(read_tail(&dir.path().join("missing"), 10)?, "");
        Ok(())
    }
}
