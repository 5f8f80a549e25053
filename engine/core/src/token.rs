//! Task tokens: what a `.waitForTaskToken` or activity task hands out and a callback must bring back. A
//! token is a keyed hash (HMAC-SHA256) of the task's key under a secret the execution is given at
//! creation and never reveals, so knowing any number of an execution's tokens, its outputs, `States.UUID`
//! values or random numbers tells nothing about its next token. Replaying the same events with the same
//! secret mints the same tokens, which the store maps back to their tasks.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret an execution mints its task tokens with (256 bits; the runtime draws it from the operating
/// system's CSPRNG and keeps it beside the execution's record).
pub type TokenKey = [u8; 32];

/// An execution's token secret, if it was given one; `Debug` never shows it.
#[derive(Clone, Default)]
pub(crate) struct Minter(pub(crate) Option<TokenKey>);

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Minter(secret)"
        } else {
            "Minter(none)"
        })
    }
}

/// The token of task `task_key` under `key`: 64 hex characters (256 bits of the MAC).
pub(crate) fn mint(key: &TokenKey, task_key: u64) -> String {
    // HMAC accepts keys of any length, so this cannot fail; the fallback only satisfies the types.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"stepd task token v1");
    mac.update(&task_key.to_be_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mint;

    #[test]
    fn tokens_depend_on_the_key_and_the_task() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(
            mint(&a, 7),
            mint(&a, 7),
            "the same key and task mint the same token"
        );
        assert_ne!(mint(&a, 7), mint(&a, 8));
        assert_ne!(mint(&a, 7), mint(&b, 7));
        assert_eq!(mint(&a, 7).len(), 64);
    }
}
