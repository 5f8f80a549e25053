//! Tags on state machines and activities (TagResource, UntagResource, ListTagsForResource, and the `tags`
//! of CreateStateMachine/CreateActivity), kept in the resource's own record so they commit with it.

use crate::Error;
use crate::records::{self, ActivityRecord};
use crate::writer::Writer;
use std::collections::BTreeMap;
use stepd_store::{Batch, Table};

/// Tag key → value.
pub type Tags = BTreeMap<String, String>;

/// AWS's limit of tags per resource.
pub const MAX_TAGS: usize = 50;

impl Writer {
    /// Adds `add` (overwriting keys already there) and removes `remove` on a state machine or activity.
    pub(crate) fn retag(
        &mut self,
        arn: &str,
        add: Tags,
        remove: &[String],
        batch: &mut Batch,
    ) -> Result<(), Error> {
        let key = records::str_key(arn);
        if let Some(record) = self.machines.get_mut(arn) {
            let tags = merged(&record.tags, add, remove, arn)?;
            record.tags = tags;
            batch.put(Table::StateMachines, key, records::to_bytes(&*record)?);
            return Ok(());
        }
        // Read through this batch: an earlier request of the same group may have created or retagged it.
        let bytes = match batch.latest(Table::Activities, &key) {
            Some(pending) => pending.map(<[u8]>::to_vec),
            None => self.store.get(Table::Activities, &key)?,
        };
        let Some(bytes) = bytes else {
            return Err(Error::ResourceNotFound(arn.to_string()));
        };
        let mut record: ActivityRecord = records::from_bytes(&bytes)?;
        record.tags = merged(&record.tags, add, remove, arn)?;
        batch.put(Table::Activities, key, records::to_bytes(&record)?);
        Ok(())
    }
}

fn merged(old: &Tags, add: Tags, remove: &[String], arn: &str) -> Result<Tags, Error> {
    let mut tags = old.clone();
    tags.extend(add);
    for k in remove {
        tags.remove(k);
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags(arn.to_string()));
    }
    Ok(tags)
}
