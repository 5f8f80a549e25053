//! Order-preserving composite keys: `(execution ARN, event id)` and the like encode to bytes whose byte
//! order is the tuple order, so range scans return events in id order and timers in due order.
//!
//! Strings end with `0x00 0x01` and escape an inner `0x00` as `0x00 0xFF`; unsigned integers are 8 bytes
//! big-endian; signed integers flip the sign bit first.

/// Builds a key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new() -> Key {
        Key::default()
    }

    pub fn str(mut self, s: &str) -> Key {
        for &b in s.as_bytes() {
            if b == 0 {
                self.0.extend_from_slice(&[0, 0xFF]);
            } else {
                self.0.push(b);
            }
        }
        self.0.extend_from_slice(&[0, 1]);
        self
    }

    pub fn u64(mut self, n: u64) -> Key {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }

    pub fn i64(self, n: i64) -> Key {
        self.u64((n as u64) ^ (1 << 63))
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl From<Key> for Vec<u8> {
    fn from(k: Key) -> Vec<u8> {
        k.0
    }
}

/// Reads a key back, part by part.
pub struct KeyReader<'a> {
    rest: &'a [u8],
}

impl<'a> KeyReader<'a> {
    pub fn new(key: &'a [u8]) -> KeyReader<'a> {
        KeyReader { rest: key }
    }

    pub fn str(&mut self) -> Option<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < self.rest.len() {
            match (self.rest[i], self.rest[i + 1]) {
                (0, 1) => {
                    self.rest = &self.rest[i + 2..];
                    return String::from_utf8(out).ok();
                }
                (0, 0xFF) => {
                    out.push(0);
                    i += 2;
                }
                (0, _) => return None,
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        None
    }

    pub fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.rest.split_first_chunk::<8>()?;
        self.rest = rest;
        Some(u64::from_be_bytes(*head))
    }

    pub fn i64(&mut self) -> Option<i64> {
        self.u64().map(|n| (n ^ (1 << 63)) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_their_tuples_and_read_back() {
        let tuples = [
            ("a", 2u64),
            ("a", 10),
            ("a\0b", 1),
            ("ab", 0),
            ("b", 0),
            ("", 5),
        ];
        let mut keys: Vec<(Vec<u8>, (&str, u64))> = tuples
            .iter()
            .map(|&(s, n)| (Key::new().str(s).u64(n).into_bytes(), (s, n)))
            .collect();
        keys.sort();
        let mut expected = tuples.to_vec();
        expected.sort();
        assert_eq!(keys.iter().map(|(_, t)| *t).collect::<Vec<_>>(), expected);
        for (k, (s, n)) in &keys {
            let mut r = KeyReader::new(k);
            assert_eq!((r.str().as_deref(), r.u64()), (Some(*s), Some(*n)));
        }
        let mut signed: Vec<Vec<u8>> = [-5i64, 3, -1, 0, i64::MIN, i64::MAX]
            .iter()
            .map(|&n| Key::new().i64(n).into_bytes())
            .collect();
        signed.sort();
        let read: Vec<i64> = signed
            .iter()
            .map(|k| KeyReader::new(k).i64().unwrap_or_default())
            .collect();
        assert_eq!(read, [i64::MIN, -5, -1, 0, 3, i64::MAX]);
    }
}
