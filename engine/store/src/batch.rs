//! `Batch`: the writes of one atomic commit, as data (the runtime builds it from a transition; a store
//! applies it in one transaction).

use crate::Table;

/// One write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Put {
        table: Table,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        table: Table,
        key: Vec<u8>,
    },
}

/// Writes applied together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    pub fn put(
        &mut self,
        table: Table,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> &mut Batch {
        self.ops.push(Op::Put {
            table,
            key: key.into(),
            value: value.into(),
        });
        self
    }

    pub fn delete(&mut self, table: Table, key: impl Into<Vec<u8>>) -> &mut Batch {
        self.ops.push(Op::Delete {
            table,
            key: key.into(),
        });
        self
    }

    /// Appends another batch's writes (group commit joins many executions' batches into one).
    pub fn extend(&mut self, other: Batch) {
        self.ops.extend(other.ops);
    }

    /// What this batch last did to `key`: `Some(Some(value))` put, `Some(None)` deleted, `None` untouched
    /// (lets a writer read its own uncommitted writes; a linear scan, for rare operations).
    pub fn latest(&self, table: Table, key: &[u8]) -> Option<Option<&[u8]>> {
        self.ops.iter().rev().find_map(|op| match op {
            Op::Put {
                table: t,
                key: k,
                value,
            } if *t == table && k == key => Some(Some(value.as_slice())),
            Op::Delete { table: t, key: k } if *t == table && k == key => Some(None),
            _ => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_reads_the_last_write_to_a_key() {
        let mut b = Batch::new();
        assert_eq!(b.latest(Table::Activities, b"a"), None);
        b.put(Table::Activities, b"a".to_vec(), b"1".to_vec());
        b.put(Table::Executions, b"a".to_vec(), b"other table".to_vec());
        assert_eq!(b.latest(Table::Activities, b"a"), Some(Some(&b"1"[..])));
        b.put(Table::Activities, b"a".to_vec(), b"2".to_vec());
        assert_eq!(b.latest(Table::Activities, b"a"), Some(Some(&b"2"[..])));
        b.delete(Table::Activities, b"a".to_vec());
        assert_eq!(b.latest(Table::Activities, b"a"), Some(None));
        assert_eq!(b.latest(Table::Activities, b"b"), None);
    }
}
