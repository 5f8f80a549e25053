//! The byte-level intrinsics: Base64Encode, Base64Decode, Hash, UUID.

use super::{java, single};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::Digest;
use std::fmt::Write;

/// Longest string, in UTF-16 units as Java counts, that Base64Encode, Base64Decode and Hash take.
const MAX_INPUT_CHARS: usize = 10_000;

/// `States.Base64Encode(text)`.
pub(super) fn base64_encode(args: &[Value]) -> Option<Value> {
    text_input(args).map(|text| encode_base64(text).into())
}

/// `States.Base64Decode(text)`.
pub(super) fn base64_decode(args: &[Value]) -> Option<Value> {
    text_input(args).map(|text| decode_base64(text).into())
}

/// The one string argument of Base64Encode/Base64Decode, at most 10,000 characters.
fn text_input(args: &[Value]) -> Option<&str> {
    let Value::String(text) = single(args)? else {
        return None;
    };
    (java::utf16_len(text) <= MAX_INPUT_CHARS).then_some(text.as_str())
}

/// `States.Hash(data, algorithm)`. AWS hashes any data by its printed form (`123`, `{a=1}`), at most 10,000
/// characters, as UTF-8; the algorithm must be a string naming one of the five exactly.
pub(super) fn hash(args: &[Value]) -> Option<Value> {
    let [data, Value::String(algorithm)] = args else {
        return None;
    };
    let data = java::to_string(data);
    if java::utf16_len(&data) > MAX_INPUT_CHARS {
        return None;
    }
    digest(algorithm, data.as_bytes()).map(Value::String)
}

/// `States.UUID()`: a random (version 4) UUID.
pub(super) fn uuid(args: &[Value], random: &mut dyn FnMut() -> u64) -> Option<Value> {
    args.is_empty().then(|| uuid_v4(random).into())
}

/// Standard Base64 of the UTF-8 bytes, padded, on one line.
fn encode_base64(text: &str) -> String {
    STANDARD.encode(text)
}

/// Decodes as leniently as AWS does (it decodes `!!!invalid!!!`, `abc`, `ab==cd` and ` YWJjZA== `):
/// characters outside the alphabet are skipped, `-` and `_` stand for `+` and `/`, the first `=` ends the
/// data, and a final group of two or three characters yields one or two bytes (one alone yields nothing).
/// The bytes are read as UTF-8, invalid sequences becoming U+FFFD. A strict decoder (the `base64` crate's)
/// would reject all four, hence the loop.
fn decode_base64(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut bits, mut count) = (0u32, 0u8);
    for c in text.bytes() {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        bits = bits << 6 | u32::from(sextet);
        count += 1;
        if count == 4 {
            bytes.extend([(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            (bits, count) = (0, 0);
        }
    }
    match count {
        2 => bytes.push((bits >> 4) as u8),
        3 => bytes.extend([(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Lower-case hex digest of `data`; `None` for an algorithm AWS does not name exactly so (`sha-256`,
/// `SHA256` and `MD-5` are refused).
pub(crate) fn digest(algorithm: &str, data: &[u8]) -> Option<String> {
    let digest = match algorithm {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    Some(hex)
}

/// A version 4 (random) UUID from two draws, lower-case with dashes.
pub(crate) fn uuid_v4(random: &mut dyn FnMut() -> u64) -> String {
    let high = (random() & !0xF000) | 0x4000; // version 4
    let low = (random() & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use super::super::testing::{counter, refused, run, table};
    use super::*;
    use serde_json::json;
    use stepd_asl::intrinsic::Function;

    #[test]
    fn base64_round_trips() {
        for (text, encoded) in [
            ("", ""),
            ("Data to encode", "RGF0YSB0byBlbmNvZGU="),
            ("Hello World", "SGVsbG8gV29ybGQ="),
            ("abcd", "YWJjZA=="),
            ("abc\0def", "YWJjAGRlZg=="),
            ("✓", "4pyT"),
            ("こんにちは", "44GT44KT44Gr44Gh44Gv"),
            ("🚀", "8J+agA=="),
        ] {
            assert_eq!(encode_base64(text), encoded);
            assert_eq!(decode_base64(encoded), text);
        }
        assert!(!encode_base64(&"a".repeat(10_000)).contains(['\r', '\n']));
    }

    #[test]
    fn base64_decoding_is_lenient() {
        for (encoded, text) in [
            (" YWJjZA== ", "abcd"),
            ("YWJj\nZA==", "abcd"),
            ("ab==cd", "i"),
            ("abc", "i\u{fffd}"),
            ("YWJjZA", "abcd"),
            ("YWJjZ", "abc"),
            ("-_-_", "\u{fffd}\u{fffd}\u{fffd}"),
            ("!!!", ""),
            ("!!!aGVs!!!bG8=", "hello"),
        ] {
            assert_eq!(decode_base64(encoded), text, "{encoded:?}");
        }
    }

    #[test]
    fn digests() {
        for (algorithm, data, hex) in [
            ("MD5", "input data", "812f45842bc6d66ee14572ce20db8e86"),
            ("MD5", "Data to encode", "ca405671828a177e26947171bbe1e352"),
            ("SHA-1", "hello", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
            (
                "SHA-256",
                "input data",
                "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
            ),
            (
                "SHA-256",
                "Hash this string",
                "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e",
            ),
            (
                "SHA-384",
                "input data",
                "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
            ),
            (
                "SHA-512",
                "hello",
                "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
            ),
        ] {
            assert_eq!(digest(algorithm, data.as_bytes()).as_deref(), Some(hex));
        }
        for algorithm in ["sha-256", "SHA256", "MD-5", "SHA-257", "", "md5"] {
            assert_eq!(digest(algorithm, b"data"), None, "{algorithm}");
        }
    }

    #[test]
    fn uuid_is_version_4() {
        let mut draws = [0u64, u64::MAX].into_iter().cycle();
        let mut random = || draws.next().unwrap_or(0);
        assert_eq!(uuid_v4(&mut random), "00000000-0000-4000-bfff-ffffffffffff");
        let mut random = || u64::MAX;
        assert_eq!(uuid_v4(&mut random), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let mut random = || 0;
        assert_eq!(uuid_v4(&mut random), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn base64_intrinsics() {
        let long = |n: usize, s: &str| json!([s.repeat(n)]);
        table(
            Function::Base64Encode,
            &[
                // test_encode_decode::test_base_64_encode exec_hist_resp_1; BASE_REFERENCE_IN_INTRINSIC_FUNCTION.
                (
                    json!(["Data to encode"]),
                    Some(json!("RGF0YSB0byBlbmNvZGU=")),
                ),
                (json!(["Hello World"]), Some(json!("SGVsbG8gV29ybGQ="))),
                (json!([""]), Some(json!(""))),
                (json!(["🚀"]), Some(json!("8J+agA=="))),
                (long(10_001, "a"), None),
                (long(5_001, "🚀"), None),
                (json!([123]), None),
                (json!([{}]), None),
                (json!([["x"]]), None),
                (json!([null]), None),
                (json!([]), None),
                (json!(["a", "b"]), None),
            ],
        );
        assert!(run(Function::Base64Encode, &long(10_000, "a")).is_ok());
        assert!(run(Function::Base64Encode, &long(5_000, "🚀")).is_ok());
        table(
            Function::Base64Decode,
            &[
                // test_encode_decode::test_base_64_decode exec_hist_resp_0, 1.
                (json!([""]), Some(json!(""))),
                (
                    json!(["RGF0YSB0byBlbmNvZGU="]),
                    Some(json!("Data to encode")),
                ),
                (json!(["SGVsbG8gV29ybGQ="]), Some(json!("Hello World"))),
                (json!([" YWJjZA== "]), Some(json!("abcd"))),
                (json!(["ab==cd"]), Some(json!("i"))),
                (long(10_001, "A"), None),
                (json!([123]), None),
                (json!([{}]), None),
                (json!([]), None),
                (json!(["aGVsbG8=", "extra"]), None),
            ],
        );
        for lenient in ["!!!invalid!!!", "abc"] {
            assert!(run(Function::Base64Decode, &json!([lenient])).is_ok());
        }
        assert_eq!(
            run(Function::Base64Decode, &long(10_000, "A")),
            Ok(json!("\0".repeat(7_500)))
        );
    }

    #[test]
    fn hash_intrinsic() {
        let sha256 = |s: &str| {
            Some(Value::String(
                digest("SHA-256", s.as_bytes()).expect("SHA-256"),
            ))
        };
        table(
            Function::Hash,
            &[
                // test_hash_calculations::test_hash exec_hist_resp_0, 2, 3; BASE_REFERENCE_IN_INTRINSIC_FUNCTION.
                (
                    json!(["input data", "MD5"]),
                    Some(json!("812f45842bc6d66ee14572ce20db8e86")),
                ),
                (
                    json!(["input data", "SHA-256"]),
                    Some(json!(
                        "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"
                    )),
                ),
                (
                    json!(["input data", "SHA-384"]),
                    Some(json!(
                        "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"
                    )),
                ),
                (
                    json!(["Hash this string", "SHA-256"]),
                    Some(json!(
                        "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"
                    )),
                ),
                (
                    json!(["hello", "SHA-1"]),
                    Some(json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")),
                ),
                (
                    json!(["", "SHA-256"]),
                    Some(json!(
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                    )),
                ),
                (
                    json!(["✓", "SHA-256"]),
                    Some(json!(
                        "1dabba21cdad44541f6b15796f8d22978fc7ea10c46aeceeeeb66c23b3ac7604"
                    )),
                ),
                // Other data is hashed by its printed form.
                (json!([123, "SHA-256"]), sha256("123")),
                (json!([{}, "SHA-256"]), sha256("{}")),
                (json!([{"a": [1, "x"]}, "SHA-256"]), sha256("{a=[1, x]}")),
                (
                    json!(["a".repeat(10_000), "SHA-256"]),
                    sha256(&"a".repeat(10_000)),
                ),
                (json!(["a".repeat(10_001), "SHA-256"]), None),
                (json!(["data", "sha-256"]), None),
                (json!(["data", "SHA256"]), None),
                (json!(["data", "MD-5"]), None),
                (json!(["data", ""]), None),
                (json!(["hello", 123]), None),
                (json!([]), None),
                (json!(["hello"]), None),
                (json!(["hello", "SHA-256", "extra"]), None),
            ],
        );
    }

    #[test]
    fn uuid_intrinsic() {
        let mut random = counter();
        let a = apply(Function::Uuid, &[], &mut random).expect("a UUID");
        let b = apply(Function::Uuid, &[], &mut random).expect("a UUID");
        assert_ne!(a, b);
        for uuid in [&a, &b] {
            let s = uuid.as_str().expect("a string");
            let groups: Vec<usize> = s.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{s}");
            assert!(
                s.chars()
                    .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
            );
            assert_eq!(s.get(14..15), Some("4"));
            assert!(matches!(s.get(19..20), Some("8" | "9" | "a" | "b")));
        }
        assert_eq!(run(Function::Uuid, &json!(["x"])), refused(Function::Uuid));
    }
}
