//! Signing the CLI's requests with AWS Signature Version 4, so `stepd jobs` and `stepd schedules` work
//! against a server started with `--access-keys` (the keys come from `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`, the region from `AWS_REGION` or `AWS_DEFAULT_REGION`, as for the AWS CLI).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Credentials to sign with.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub key_id: String,
    pub secret: String,
    pub region: String,
}

impl Credentials {
    /// From the environment, when both key variables are set.
    pub(crate) fn from_env() -> Option<Credentials> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(Credentials {
            key_id: var("AWS_ACCESS_KEY_ID")?,
            secret: var("AWS_SECRET_ACCESS_KEY")?,
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The headers that sign `method path?query` with `body` for `host` at `now` (`YYYYMMDDTHHMMSSZ`):
/// `x-amz-date`, `x-amz-content-sha256` and `authorization`.
pub(crate) fn headers(
    creds: &Credentials,
    method: &str,
    host: &str,
    path_and_query: &str,
    body: &[u8],
    now: &str,
) -> Vec<(&'static str, String)> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_unstable();
    let query = pairs
        .iter()
        .map(|p| {
            if p.contains('=') {
                p.to_string()
            } else {
                format!("{p}=")
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    let payload = hex(&Sha256::digest(body));
    let signed = "host;x-amz-content-sha256;x-amz-date";
    let canonical = format!(
        "{method}\n{path}\n{query}\nhost:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{now}\n\n{signed}\n{payload}"
    );
    let date = &now[..8];
    let scope = format!("{date}/{}/states/aws4_request", creds.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{now}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{}", creds.secret).into_bytes();
    for part in [date, creds.region.as_str(), "states", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    vec![
        ("x-amz-date", now.to_string()),
        ("x-amz-content-sha256", payload),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
                creds.key_id
            ),
        ),
    ]
}

/// Now as SigV4 writes it.
pub(crate) fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
