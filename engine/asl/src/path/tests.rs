//! Parser tests for JSONPath and reference paths.

use super::*;

fn ok(s: &str) -> Path {
    Path::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn accepts_step_functions_paths() {
    for s in [
        "$",
        "$$",
        "$.a",
        "$.a.b[0].c",
        "$['a b']['c']",
        "$[\"x\"]",
        "$.a[*]",
        "$.a.*",
        "$..name",
        "$..[0]",
        "$.a[1:3]",
        "$.a[::-1]",
        "$.a[0,2]",
        "$.a['x','y']",
        "$.a[-1]",
        "$.a[?(@.price < 10)]",
        "$.a[?(@.k == 'v' && !(@.n > 2) || @.z)]",
        "$.a[?(@.name =~ /foo.*/i)]",
        "$.a[?(@.s in ['a','b'])]",
        "$.a.length()",
        "$$.Execution.Id",
        "$$.Map.Item.Value",
        "$myVar",
        "$myVar.field[2]",
        "$.foo-bar",
        "$.ünïcode",
    ] {
        ok(s);
    }
}

#[test]
fn rejects_malformed_paths() {
    for s in [
        "",
        "a",
        "$.",
        "$..",
        "$.a.",
        "$[",
        "$[]",
        "$['a'",
        "$.a[?(@.b == )]",
        "$.a[1:2:0]",
        "$ .a",
        "$.a.length().b",
        "$.a.nofun()",
        "$.a[?(@.x =~ 'str')]",
    ] {
        assert!(Path::parse(s).is_err(), "{s:?} should be rejected");
    }
}

#[test]
fn reference_paths_are_single_nodes() {
    for s in ["$", "$.a", "$.a.b[3]", "$['x']"] {
        assert!(Path::parse_reference(s).is_ok(), "{s}");
    }
    for s in [
        "$$.Execution",
        "$.a[*]",
        "$..a",
        "$.a[0:1]",
        "$.a[?(@.b)]",
        "$v.x",
        "$.a.length()",
    ] {
        assert!(Path::parse_reference(s).is_err(), "{s}");
    }
}

#[test]
fn roots_and_segments_are_recorded() {
    let p = ok("$$.Task.Token");
    assert_eq!(p.root, Root::Context);
    assert_eq!(p.segments.len(), 2);
    let v = ok("$job.id");
    assert_eq!(v.root, Root::Variable("job".into()));
    assert!(ok("$.a[0]").is_definite());
    assert!(!ok("$.a[*]").is_definite());
}

#[test]
fn quoted_names_keep_backslashes_except_before_their_quote() {
    let p = ok(r#"$['Test\""Name"']"#);
    assert_eq!(
        p.segments,
        vec![Segment::Child(Selector::Name(r#"Test\""Name""#.into()))]
    );
    let p = ok(r"$['it\'s']");
    assert_eq!(
        p.segments,
        vec![Segment::Child(Selector::Name("it's".into()))]
    );
}

#[test]
fn long_filter_chains_are_rejected_not_overflowed() {
    let s = format!("$.a[?({})]", vec!["@.x"; 100_000].join(" && "));
    assert!(Path::parse(&s).is_err());
}

#[test]
fn deep_filters_are_rejected_not_overflowed() {
    let s = format!("$.a[?({}@.x{})]", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Path::parse(&s).is_err());
}
