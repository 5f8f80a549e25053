//! Tables of paths and their results. Expected values follow Jayway JsonPath 2.9 (its sources and the
//! json-path-comparison results) and the AWS-recorded executions noted beside them.

use super::value::{clone_value, deep_eq, number_value, to_text};
use super::*;
use serde_json::json;

fn parse(s: &str) -> Path {
    Path::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn context() -> Value {
    json!({
        "Execution": {"Id": "arn:exec", "Input": {"k": "v"}},
        "Map": {"Item": {"Index": 2, "Value": {"x": 1}}}
    })
}

fn variables() -> Value {
    json!({"answer": 42, "list": [1, 2, 3], "obj": {"a": {"b": "c"}}, "nothing": null})
}

fn run(path: &str, input: &Value) -> Result<Value, Missing> {
    let context = context();
    let vars = variables();
    let lookup = |name: &str| vars.get(name);
    let roots = Roots {
        input,
        context: &context,
        variable: &lookup,
    };
    select(&parse(path), &roots)
}

/// Each row: path, expected result.
fn expect(input: &Value, rows: &[(&str, Value)]) {
    for (path, want) in rows {
        match run(path, input) {
            Ok(got) => assert!(deep_eq(&got, want), "{path}: got {got}, want {want}"),
            Err(e) => panic!("{path}: got {e:?}, want {want}"),
        }
    }
}

fn expect_not_found(input: &Value, paths: &[&str]) {
    for path in paths {
        assert_eq!(run(path, input), Err(Missing::NotFound), "{path}");
    }
}

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10,
        "nums": [3, 1, 4, 1, 5],
        "floats": [1.5, 2.5],
        "mixed": [1, "2", null, true, 3.5, [4], {"n": 5}],
        "empty": [],
        "single": [7],
        "obj": {"a": 1, "b": 2, "c": 3},
        "s": "hello",
        "n": null,
        "t": true,
        "arr": [2, "a", 4, 5, 100, "nice"],
        "a b": {"c.d": "spaced"}
    })
}

#[test]
fn definite_paths_select_one_node() {
    let doc = store();
    expect(
        &doc,
        &[
            ("$.expensive", json!(10)),
            ("$['expensive']", json!(10)),
            ("$[\"expensive\"]", json!(10)),
            ("$.store.book[0].author", json!("Nigel Rees")),
            ("$.store.book[-1].title", json!("The Lord of the Rings")),
            ("$.store.bicycle['color']", json!("red")),
            ("$['a b']['c.d']", json!("spaced")),
            ("$.n", json!(null)),
            ("$.t", json!(true)),
            ("$.nums[4]", json!(5)),
            ("$.nums[-5]", json!(3)),
            ("$.nums[0]", json!(3)),
            ("$.obj", json!({"a": 1, "b": 2, "c": 3})),
        ],
    );
}

#[test]
fn root_selects_the_whole_document() {
    let doc = store();
    assert_eq!(run("$", &doc), Ok(doc.clone()));
    assert_eq!(run("$", &json!("x")), Ok(json!("x")));
    assert_eq!(run("$", &json!(null)), Ok(json!(null)));
}

#[test]
fn definite_paths_that_select_nothing_are_not_found() {
    expect_not_found(
        &store(),
        &[
            "$.nope",
            "$.nope.deeper",
            "$.nope[0]",
            "$.s.length",
            "$.nums.x",
            "$.obj[0]",
            "$.nums[5]",
            "$.nums[-6]",
            "$.empty[0]",
            "$.empty[-1]",
            "$.n.x",
            "$.n[0]",
            "$.t.x",
            "$.expensive[0]",
            "$.store.book[9].title",
            "$.store.book[0].nope",
            "$.s['a','b']",
        ],
    );
    // Scalar documents: names and indexes find nothing.
    for doc in [json!(1), json!("s"), json!(null), json!([]), json!({})] {
        expect_not_found(&doc, &["$.a", "$[0]", "$.a.b"]);
    }
}

#[test]
fn a_trailing_union_of_names_merges_into_one_object() {
    // Jayway: `$['key','another']` is definite and yields a map of the members found.
    let doc = store();
    expect(
        &doc,
        &[
            ("$.obj['a','b']", json!({"a": 1, "b": 2})),
            ("$.obj['b','a']", json!({"b": 2, "a": 1})),
            ("$.obj['a','zz']", json!({"a": 1})),
            ("$.obj['x','y']", json!({})),
            ("$.obj['a','a']", json!({"a": 1})),
            (
                "$.store.book[0,1]['title','price']",
                json!([
                    {"title": "Sayings of the Century", "price": 8.95},
                    {"title": "Sword of Honour", "price": 12.99}
                ]),
            ),
            // Not last: the names are iterated and the result is a list.
            ("$['obj','store'].a", json!([1])),
            ("$['store','obj'].price", json!([])),
            (
                "$['obj','expensive']",
                json!({"obj": {"a": 1, "b": 2, "c": 3}, "expensive": 10}),
            ),
        ],
    );
    let c = json!([{"c": "cc1", "d": "dd1", "e": "ee1"}, {"c": "cc2", "d": "dd2", "e": "ee2"}]);
    expect(
        &c,
        &[
            ("$[0]['c','d']", json!({"c": "cc1", "d": "dd1"})),
            (
                "$.*['c','d']",
                json!([{"c": "cc1", "d": "dd1"}, {"c": "cc2", "d": "dd2"}]),
            ),
        ],
    );
}

#[test]
fn indefinite_paths_yield_every_match_in_order() {
    let doc = store();
    expect(
        &doc,
        &[
            ("$.nums[*]", json!([3, 1, 4, 1, 5])),
            ("$.obj.*", json!([1, 2, 3])),
            ("$.obj[*]", json!([1, 2, 3])),
            ("$.nums[0,2]", json!([3, 4])),
            ("$.nums[2,0]", json!([4, 3])),
            ("$.nums[0,9]", json!([3])),
            ("$.nums[-1,0]", json!([5, 3])),
            (
                "$.store.book[*].author",
                json!([
                    "Nigel Rees",
                    "Evelyn Waugh",
                    "Herman Melville",
                    "J. R. R. Tolkien"
                ]),
            ),
            (
                "$.store.book[*].isbn",
                json!(["0-553-21311-3", "0-395-19395-8"]),
            ),
            ("$.store.*.price", json!([19.95])),
            ("$.*.a", json!([1])),
            ("$.store.book[1:3].price", json!([12.99, 8.99])),
            ("$.mixed[*].n", json!([5])),
        ],
    );
}

#[test]
fn indefinite_paths_that_find_nothing_are_empty_lists() {
    // AWS: base/test_base::test_json_path_array_wildcard_or_slice_with_no_input ($.items[1:], $.item.items[*],
    // $.item.items[:1], $.items[*].itemValue, $.items[1:].itemValue on {} all give []).
    let empty = json!({});
    for path in [
        "$.items[1:]",
        "$.item.items[*]",
        "$.item.items[:1]",
        "$.items[*].itemValue",
        "$.items[1:].itemValue",
        "$..anything",
        "$.items[?(@.x)]",
        "$.items[0,1]",
    ] {
        assert_eq!(run(path, &empty), Ok(json!([])), "{path}");
    }
    let doc = store();
    for path in [
        "$.s[*]",
        "$.s.*",
        "$.n[*]",
        "$.s[1:]",
        "$.obj[1:]",
        "$.n[0,1]",
        "$.s[?(@.x)]",
        "$.empty[*]",
        "$.empty[0:2]",
        "$.nums[*].x",
        "$.obj.*.x",
    ] {
        assert_eq!(run(path, &doc), Ok(json!([])), "{path}");
    }
}

#[test]
fn slices_follow_jayway() {
    // Results from json-path-comparison's Jayway column; the step is ignored by Jayway.
    let doc = json!({"arr": [2, "a", 4, 5, 100, "nice"], "three": ["first", "second", "third"]});
    let all = json!([2, "a", 4, 5, 100, "nice"]);
    expect(
        &doc,
        &[
            ("$.arr[1:3]", json!(["a", 4])),
            ("$.arr[0:6]", all.clone()),
            ("$.arr[:2]", json!([2, "a"])),
            ("$.arr[4:]", json!([100, "nice"])),
            ("$.arr[-2:]", json!([100, "nice"])),
            ("$.arr[-10:]", all.clone()),
            ("$.arr[:-1]", json!([2, "a", 4, 5, 100])),
            ("$.arr[:-10]", json!([])),
            ("$.arr[:100]", all.clone()),
            ("$.arr[10:]", json!([])),
            ("$.arr[3:3]", json!([])),
            ("$.arr[3:-2]", json!([])),
            ("$.arr[-4:-3]", json!([4])),
            ("$.arr[-4:-5]", json!([])),
            // Jayway does not normalise a negative start when an end is given; each index wraps.
            ("$.arr[-4:3]", json!([4, 5, 100, "nice", 2, "a", 4])),
            ("$.arr[-4:1]", json!([4, 5, 100, "nice", 2])),
            ("$.arr[-100:2]", json!([2, "a", 4, 5, 100, "nice", 2, "a"])),
            ("$.arr[0:3:2]", json!([2, "a", 4])),
            ("$.arr[1:3:]", json!(["a", 4])),
            ("$.arr[::2]", all.clone()),
            ("$.arr[::-1]", all),
            ("$.three[-1:]", json!(["third"])),
            ("$.three[-4:]", json!(["first", "second", "third"])),
            ("$.three[0:1]", json!(["first"])),
        ],
    );
}

#[test]
fn recursive_descent_is_pre_order() {
    let dolls = json!({
        "object": {
            "key": "value",
            "array": [{"key": "something"}, {"key": {"key": "russian dolls"}}]
        },
        "key": "top"
    });
    let primitives =
        json!({"key": "value", "another key": {"complex": "string", "primitives": [0, 1]}});
    expect(
        &dolls,
        &[(
            "$..key",
            json!(["top", "value", "something", {"key": "russian dolls"}, "russian dolls"]),
        )],
    );
    expect(
        &primitives,
        &[
            (
                "$..*",
                json!(["value", {"complex": "string", "primitives": [0, 1]}, "string", [0, 1], 0, 1]),
            ),
            (
                "$..[*]",
                json!(["value", {"complex": "string", "primitives": [0, 1]}, "string", [0, 1], 0, 1]),
            ),
        ],
    );
    let doc = store();
    expect(
        &doc,
        &[
            ("$..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
            ("$.store..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
            ("$..book[2].title", json!(["Moby Dick"])),
            ("$..book[-1:].author", json!(["J. R. R. Tolkien"])),
            (
                "$..book[?(@.price < 10)].title",
                json!(["Sayings of the Century", "Moby Dick"]),
            ),
            (
                "$..[?(@.price > 20)].title",
                json!(["The Lord of the Rings"]),
            ),
            ("$..nope", json!([])),
            ("$..color", json!(["red"])),
        ],
    );
    expect(
        &json!({"a": [1, [2, 3]], "b": {"c": [4]}}),
        &[
            ("$..[0]", json!([1, 2, 4])),
            ("$..[1]", json!([[2, 3], 3])),
            ("$..[0,1]", json!([1, [2, 3], 2, 3, 4])),
            ("$..[1:]", json!([[2, 3], 3])),
        ],
    );
    expect(
        &json!({"a": 1, "b": 2, "c": {"a": 3, "b": 4}, "d": {"a": 5}}),
        &[
            ("$..['a','b']", json!([{"a": 1, "b": 2}, {"a": 3, "b": 4}])),
            ("$..a", json!([1, 3, 5])),
        ],
    );
    for scalar in [json!(42), json!("s"), json!(null)] {
        assert_eq!(run("$..*", &scalar), Ok(json!([])));
    }
    assert_eq!(
        run("$..*", &json!([40, null, 42])),
        Ok(json!([40, null, 42]))
    );
}

#[test]
fn a_selector_after_descent_on_arrays_hands_on_every_element() {
    // Jayway's ScanPathToken.walkArray: when more follows, each element of a matching array goes on,
    // whatever the index, so `$..[0].x` reads `x` of every element.
    let doc = json!({"a": [{"x": 1}, {"x": 2}], "b": {"x": 3}});
    expect(
        &doc,
        &[
            ("$..[0].x", json!([1, 2])),
            ("$..[5].x", json!([1, 2])),
            ("$..[0]", json!([{"x": 1}])),
            ("$..*.x", json!([3, 1, 2])),
        ],
    );
}

fn items() -> Value {
    json!([
        {"id": 1, "key": 42, "s": "b"},
        {"id": 2, "key": "42", "s": "a"},
        {"id": 3, "key": 42.0, "s": "B"},
        {"id": 4, "key": null},
        {"id": 5, "key": true},
        {"id": 6, "key": [42]},
        {"id": 7},
        {"id": 8, "key": 43, "s": "ab", "tags": ["x", "y"]},
        {"id": 9, "key": {"k": 1}}
    ])
}

/// Rows: filter expression, ids of the items it keeps.
fn expect_ids(rows: &[(&str, &[i64])]) {
    let doc = items();
    for (filter, ids) in rows {
        let path = format!("$[?({filter})].id");
        let want = Value::from(ids.to_vec());
        assert_eq!(run(&path, &doc), Ok(want), "{path}");
    }
}

#[test]
fn filter_comparisons() {
    expect_ids(&[
        // Jayway compares a string and a number by their text, so "42" == 42.
        ("@.key == 42", &[1, 2, 3]),
        ("@.key == '42'", &[1, 2, 3]),
        ("@.key == \"42\"", &[1, 2, 3]),
        ("42 == @.key", &[1, 2, 3]),
        ("@.key != 42", &[4, 5, 6, 7, 8, 9]),
        ("@.key > 42", &[8]),
        ("@.key >= 42", &[1, 3, 8]),
        ("@.key < 43", &[1, 3]),
        ("@.key <= 42.0", &[1, 3]),
        ("@.key > '4'", &[2]),
        ("@.s > 'a'", &[1, 8]),
        ("@.s < 'a'", &[3]),
        ("@.s >= 'ab'", &[1, 8]),
        ("@.key == null", &[4]),
        ("@.key != null", &[1, 2, 3, 5, 6, 7, 8, 9]),
        ("@.key == true", &[5]),
        ("@.key == false", &[]),
        ("@.key == [42]", &[6]),
        ("@.key.k == 1", &[9]),
        ("@.id == @.key", &[]),
        ("@.nope == @.other", &[]),
        ("@.nope != @.other", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("@.tags.length() > 1", &[8]),
        ("@.tags[*] == 'x'", &[]),
        ("@.tags[*] == ['x','y']", &[8]),
        ("@.id > -1 && @.id < 2.5", &[1, 2]),
    ]);
}

#[test]
fn filter_logic_and_existence() {
    expect_ids(&[
        ("@.key", &[1, 2, 3, 4, 5, 6, 8, 9]),
        ("@.tags", &[8]),
        ("!@.key", &[7]),
        ("!(@.key)", &[7]),
        ("@.key == 42 && @.s == 'b'", &[1]),
        ("@.key == 42 || @.id == 7", &[1, 2, 3, 7]),
        ("!(@.key == 42)", &[4, 5, 6, 7, 8, 9]),
        ("@.id > 2 && @.id < 5 || @.id == 9", &[3, 4, 9]),
        ("@.id == 9 || @.id > 2 && @.id < 5", &[3, 4, 9]),
        ("(@.id == 1 || @.id == 2) && @.s == 'a'", &[2]),
        ("@.s && @.tags", &[8]),
        ("@.s || @.tags", &[1, 2, 3, 8]),
        ("@.key.k", &[9]),
        ("@.tags[5]", &[]),
        ("@.tags[*]", &[8]),
        ("true", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("false", &[]),
        ("@", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ]);
}

#[test]
fn filter_membership_and_regex() {
    expect_ids(&[
        ("@.id in [1, 3, 5]", &[1, 3, 5]),
        ("@.id nin [1, 3, 5]", &[2, 4, 6, 7, 8, 9]),
        ("@.s in ['a', 'b']", &[1, 2]),
        ("@.s nin ['a', 'b']", &[3, 4, 5, 6, 7, 8, 9]),
        ("@.key in [42]", &[1, 2, 3]),
        ("@.key in [null, true]", &[4, 5]),
        ("@.key in [[42]]", &[6]),
        ("'x' in @.tags", &[8]),
        ("'x' nin @.tags", &[]),
        ("@.id in []", &[]),
        ("@.id in 'abc'", &[]),
        ("@.id nin 'abc'", &[]),
        ("@.s =~ /a.*/", &[2, 8]),
        ("@.s =~ /A.*/i", &[2, 8]),
        ("@.s =~ /b/", &[1]),
        ("@.s =~ /[ab]+/", &[1, 2, 8]),
        ("@.key =~ /4\\d/", &[1, 2, 8]),
        ("@.key =~ /true/", &[5]),
        ("@.nope =~ /.*/", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("@.s =~ /(?<=a)b/", &[]),
        ("@.s =~ /a)|(b/", &[]),
        ("@.s =~ /a b # a comment/x", &[8]),
        ("@.s =~ /A/", &[]),
    ]);
}

#[test]
fn filters_on_objects_scalars_and_roots() {
    let doc = store();
    expect(
        &doc,
        &[
            // A filter on an object tests the object itself.
            ("$.obj[?(@.a == 1)]", json!([{"a": 1, "b": 2, "c": 3}])),
            ("$.obj[?(@.a == 2)]", json!([])),
            ("$.nums[?(@ > 2)]", json!([3, 4, 5])),
            ("$.nums[?(@ == 1)]", json!([1, 1])),
            ("$.mixed[?(@ == '2')]", json!(["2"])),
            ("$.mixed[?(@ == 2)]", json!(["2"])),
            (
                "$.store.book[?(@.price < $.expensive)].price",
                json!([8.95, 8.99]),
            ),
            (
                "$.store.book[?(@.price > $.store.bicycle.price)].title",
                json!(["The Lord of the Rings"]),
            ),
            (
                "$.store.book[?(@.isbn)].title",
                json!(["Moby Dick", "The Lord of the Rings"]),
            ),
            (
                "$.store.book[?(@.author =~ /.*REES/i)].author",
                json!(["Nigel Rees"]),
            ),
            (
                "$.store.book[?(@.category == 'fiction' && @.price < 10)].title",
                json!(["Moby Dick"]),
            ),
            ("$.store.book[?(@.price == $$.Map.Item.Index)]", json!([])),
        ],
    );
    assert_eq!(
        run("$[?(@.id == 2)]", &json!({"id": 2})),
        Ok(json!([{"id": 2}]))
    );
    // Jayway evaluates an existence check on `$...` against the current item.
    assert_eq!(
        run("$[?($.flag)]", &json!([{"flag": 1}, {"x": 1}])),
        Ok(json!([{"flag": 1}]))
    );
    let limits = json!({"limit": 10, "items": [{"p": 5}, {"p": 15}, {"p": 10}]});
    expect(
        &limits,
        &[
            ("$.items[?(@.p < $.limit)]", json!([{"p": 5}])),
            ("$.items[?(@.p <= $.limit)].p", json!([5, 10])),
            ("$.items[?(@.p in $..p)].p", json!([5, 15, 10])),
        ],
    );
}

#[test]
fn functions_return_jayway_results() {
    let doc = store();
    expect(
        &doc,
        &[
            ("$.nums.length()", json!(5)),
            ("$.nums.size()", json!(5)),
            ("$.obj.length()", json!(3)),
            ("$.empty.length()", json!(0)),
            // Jayway's length() answers only for arrays and objects.
            ("$.s.length()", json!(null)),
            ("$.expensive.length()", json!(null)),
            ("$.nums.min()", json!(1)),
            ("$.nums.max()", json!(5)),
            ("$.nums.sum()", json!(14)),
            ("$.nums.avg()", json!(2.8)),
            ("$.floats.sum()", json!(4)),
            ("$.floats.avg()", json!(2)),
            ("$.floats.min()", json!(1.5)),
            ("$.mixed.sum()", json!(4.5)),
            ("$.mixed.length()", json!(7)),
            ("$.obj.keys()", json!(["a", "b", "c"])),
            ("$.nums.keys()", json!(null)),
            ("$.nums.first()", json!(3)),
            ("$.nums.last()", json!(5)),
            ("$.store.book.first()", store()["store"]["book"][0].clone()),
            ("$.store.book[*].length()", json!([4, 4, 5, 5])),
            ("$.store.book[5:].length()", json!([])),
            ("$.store.*.length()", json!([4, 2])),
        ],
    );
    expect(
        &json!({"d": [2, 4, 4, 4, 5, 5, 7, 9], "neg": [-3, -1.5], "big": [1e300, 1e300]}),
        &[
            ("$.d.stddev()", json!(2)),
            ("$.d.avg()", json!(5)),
            ("$.neg.max()", json!(-1.5)),
            ("$.neg.min()", json!(-3)),
        ],
    );
}

#[test]
fn functions_jayway_rejects_are_not_found() {
    expect_not_found(
        &store(),
        &[
            "$.nope.length()",
            "$.empty.sum()",
            "$.empty.avg()",
            "$.empty.min()",
            "$.s.sum()",
            "$.obj.max()",
            "$.empty.first()",
            "$.empty.last()",
            // Jayway's last() requires size - 1 > 0.
            "$.single.last()",
            "$.obj.first()",
            "$.s.stddev()",
        ],
    );
    // Infinity is no JSON number.
    expect_not_found(&json!({"big": [1e308, 1e308]}), &["$.big.sum()"]);
}

#[test]
fn functions_after_a_leading_descent_see_all_matches() {
    // Jayway rewrites `$..x.fn()` to `fn()` on the document with `$..x` as its argument.
    let doc = json!({"a": {"v": 1}, "b": [{"v": 2}, {"v": "x"}], "v": 4});
    expect(
        &doc,
        &[
            ("$..v.sum()", json!(7)),
            ("$..v.max()", json!(4)),
            ("$..v.min()", json!(1)),
            ("$..v.avg()", json!(2.3333333333333335)),
            ("$..b.length()", json!(2)),
            ("$..v.length()", json!(0)),
            ("$..a.length()", json!(1)),
            ("$..v.keys()", json!(["a", "b", "v"])),
            // Not leading: applied to each match.
            ("$.b..v.length()", json!([null, null])),
        ],
    );
    expect_not_found(&doc, &["$..nope.sum()", "$..v.first()"]);
    // The document's own numbers count when it is an array.
    assert_eq!(run("$..v.sum()", &json!([1, 2, {"v": 10}])), Ok(json!(13)));
    assert_eq!(run("$..v.first()", &json!([1, 2, {"v": 10}])), Ok(json!(1)));
    let books = store();
    assert_eq!(run("$..book.length()", &books), Ok(json!(4)));
}

#[test]
fn roots_name_the_context_and_variables() {
    let input = json!({"x": 5});
    expect(
        &input,
        &[
            ("$$.Execution.Id", json!("arn:exec")),
            ("$$", context()),
            ("$$.Map.Item.Value.x", json!(1)),
            ("$$.Map.Item.Index", json!(2)),
            ("$$.Execution.Input[*]", json!(["v"])),
            ("$answer", json!(42)),
            ("$list[1]", json!(2)),
            ("$list[*]", json!([1, 2, 3])),
            ("$list.length()", json!(3)),
            ("$obj.a.b", json!("c")),
            ("$nothing", json!(null)),
            // `$` inside a filter is the document the path starts from.
            ("$list[?(@ > $[0])]", json!([2, 3])),
        ],
    );
    expect_not_found(&input, &["$obj.nope", "$$.Nope", "$list[3]", "$nothing.x"]);
    for path in ["$missing", "$missing[*]", "$missing.a.length()"] {
        assert_eq!(
            run(path, &input),
            Err(Missing::UndefinedVariable("missing".into())),
            "{path}"
        );
    }
}

#[test]
fn aws_recorded_paths() {
    // base/test_base::test_json_path_array_access[$.items[0]] and [$.items[10]].
    let items: Vec<Value> = (0..11).map(|i| json!({"item_key": i})).collect();
    let input = json!({"items": items});
    expect(
        &input,
        &[
            ("$.items[0]", json!({"item_key": 0})),
            ("$.items[10]", json!({"item_key": 10})),
        ],
    );
    // scenarios/...test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH].
    let escaped = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(
        run(r#"$['Test\""Name"']"#, &escaped),
        Ok(json!("Value\"\\"))
    );
    // scenarios/...test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_INPUTPATH]: not found, rendered as Jayway does.
    assert_eq!(
        run("$.NoSuchInputPath", &json!({"int-literal": 0})),
        Err(Missing::NotFound)
    );
    assert_eq!(
        jayway_notation(&parse("$.NoSuchInputPath")),
        "$['NoSuchInputPath']"
    );
    // assign/...BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE: `$[0]` on an array item.
    assert_eq!(run("$[2]", &json!([9, 44, 6])), Ok(json!(6)));
}

#[test]
fn jayway_notation_renders_every_segment() {
    for (path, want) in [
        ("$", "$"),
        ("$.a.b", "$['a']['b']"),
        ("$.a[0][*]..b", "$['a'][0][*]..['b']"),
        ("$['a','b']", "$['a','b']"),
        ("$[0,1]", "$[0,1]"),
        ("$.a[1:]", "$['a'][1:]"),
        ("$.a[:-1]", "$['a'][:-1]"),
        ("$.a[?(@.x)]", "$['a'][?]"),
        ("$.a.length()", "$['a'].length()"),
        ("$..*", "$..[*]"),
        ("$$.Execution.Id", "$$['Execution']['Id']"),
        ("$v.x", "$v['x']"),
    ] {
        assert_eq!(jayway_notation(&parse(path)), want, "{path}");
    }
}

fn set_start() -> Value {
    json!({"a": 1, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": null})
}

#[test]
fn set_writes_reference_paths() {
    for (path, want) in [
        ("$", json!(5)),
        (
            "$.z",
            json!({"a": 1, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": null, "z": 5}),
        ),
        (
            "$.a",
            json!({"a": 5, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": null}),
        ),
        (
            "$['a']",
            json!({"a": 5, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": null}),
        ),
        (
            "$.n",
            json!({"a": 1, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": 5}),
        ),
        (
            "$.o.y",
            json!({"a": 1, "o": {"x": 1, "y": 5}, "arr": [1, 2, 3], "s": "str", "n": null}),
        ),
        (
            "$.o.x",
            json!({"a": 1, "o": {"x": 5}, "arr": [1, 2, 3], "s": "str", "n": null}),
        ),
        (
            "$.new.deep.er",
            json!({"a": 1, "o": {"x": 1}, "arr": [1, 2, 3], "s": "str", "n": null, "new": {"deep": {"er": 5}}}),
        ),
        (
            "$.o.p.q",
            json!({"a": 1, "o": {"x": 1, "p": {"q": 5}}, "arr": [1, 2, 3], "s": "str", "n": null}),
        ),
        (
            "$.arr[1]",
            json!({"a": 1, "o": {"x": 1}, "arr": [1, 5, 3], "s": "str", "n": null}),
        ),
        (
            "$.arr[-1]",
            json!({"a": 1, "o": {"x": 1}, "arr": [1, 2, 5], "s": "str", "n": null}),
        ),
        (
            "$.arr[0]",
            json!({"a": 1, "o": {"x": 1}, "arr": [5, 2, 3], "s": "str", "n": null}),
        ),
    ] {
        let mut target = set_start();
        assert_eq!(set(&mut target, &parse(path), json!(5)), Ok(()), "{path}");
        // Key order matters for the output text.
        assert_eq!(to_text(&target), to_text(&want), "{path}");
    }
}

#[test]
fn set_creates_members_in_nested_arrays() {
    let mut target = json!({"list": [{"a": 1}, {"b": 2}]});
    assert_eq!(
        set(&mut target, &parse("$.list[1].c.d"), json!(true)),
        Ok(())
    );
    assert_eq!(
        target,
        json!({"list": [{"a": 1}, {"b": 2, "c": {"d": true}}]})
    );
}

#[test]
fn set_fails_without_changing_the_target() {
    for path in [
        "$.arr[3]",
        "$.arr[-4]",
        "$.arr[9].x",
        "$.s.x",
        "$.n.x",
        "$.a.b",
        "$.arr.x",
        "$.o[0]",
        "$.new.x[0]",
        "$.new[0]",
        "$[0]",
    ] {
        let mut target = set_start();
        let err = set(&mut target, &parse(path), json!(5)).expect_err(path);
        assert_eq!(
            err,
            format!(
                "Unable to apply ReferencePath {path} to input {}",
                to_text(&set_start())
            )
        );
        assert_eq!(target, set_start(), "{path}");
    }
    // AWS quotes the input as JSON (aws-cdk issue 29473: a string payload).
    let mut text = json!("{\"min\":1}");
    assert_eq!(
        set(&mut text, &parse("$.partitioned"), json!(1)),
        Err(r#"Unable to apply ReferencePath $.partitioned to input "{\"min\":1}""#.to_string())
    );
    for path in ["$.a[*]", "$$.x", "$v.x", "$..a"] {
        let mut target = set_start();
        assert!(set(&mut target, &parse(path), json!(5)).is_err(), "{path}");
        assert_eq!(target, set_start());
    }
}

fn nested(depth: usize, leaf: Value) -> Value {
    let mut v = leaf;
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

#[test]
fn deep_input_does_not_overflow_the_stack() {
    const DEPTH: usize = 200_000;
    // Not `json!`: it copies interpolated values through `Serialize`, recursively.
    let mut input = json!({"n": 1});
    if let Some(map) = input.as_object_mut() {
        map.insert("deep".into(), nested(DEPTH, json!({"x": 1})));
    }

    let whole = run("$.deep", &input).expect("deep copy");
    assert!(input.get("deep").is_some_and(|d| deep_eq(d, &whole)));
    drop_deep(whole);

    assert_eq!(run("$..x", &input), Ok(json!([1])));
    assert_eq!(run("$.deep[0][0][0].length()", &input), Ok(json!(1)));
    assert_eq!(run("$[?(@.deep == @.deep)].n", &input), Ok(json!([1])));
    assert_eq!(run("$[?(@..x)].n", &input), Ok(json!([1])));

    let mut budget = usize::MAX;
    let mut copy = clone_value(&input, &mut budget).expect("copy");
    assert!(set(&mut copy, &parse("$.deep.z"), json!(1)).is_err_and(|e| e.len() > 2 * DEPTH));
    assert_eq!(set(&mut copy, &parse("$.y"), json!(1)), Ok(()));
    // Replacing a deep value drops it without recursion.
    assert_eq!(set(&mut copy, &parse("$"), json!(0)), Ok(()));
    assert_eq!(copy, json!(0));
    drop_deep(input);
}

#[test]
fn huge_results_fail_instead_of_exhausting_memory() {
    // `$..*` over 2,000 nested arrays would copy 2 million nodes: over the copy budget (2^20 under test).
    let input = nested(2_000, json!(1));
    assert_eq!(run("$..*", &input), Err(Missing::NotFound));
    drop_deep(input);
}

#[test]
fn long_filter_chains_do_not_recurse() {
    for (terms, want) in [
        (vec!["@.a == 1"; 200].join(" && "), json!([1])),
        (
            vec!["@.a == 2"; 200].join(" || ") + " || @.a == 1",
            json!([1, 2]),
        ),
    ] {
        let path = parse(&format!("$[?({terms})].a"));
        let input = json!([{"a": 1}, {"a": 2}, {"a": 3}]);
        let context = context();
        let none = |_: &str| None;
        let roots = Roots {
            input: &input,
            context: &context,
            variable: &none,
        };
        // The parser bounds chains (longer ones are refused), so the tree drops safely.
        assert_eq!(select(&path, &roots), Ok(want));
    }
}

#[test]
fn value_helpers() {
    for (x, want) in [
        (3.0, json!(3)),
        (-0.0, json!(0)),
        (2.5, json!(2.5)),
        (1e300, json!(1e300)),
        (-9.0e15, json!(-9_000_000_000_000_000_i64)),
    ] {
        assert_eq!(number_value(x), Some(want), "{x}");
    }
    assert_eq!(number_value(f64::NAN), None);
    assert_eq!(number_value(f64::INFINITY), None);

    let v = json!({"a": [1, "x", {"b": null}], "c": "q\"uote"});
    assert_eq!(to_text(&v), serde_json::to_string(&v).unwrap_or_default());
    assert!(deep_eq(
        &v,
        &json!({"c": "q\"uote", "a": [1, "x", {"b": null}]})
    ));
    assert!(!deep_eq(
        &v,
        &json!({"a": [1, "x", {"b": 0}], "c": "q\"uote"})
    ));
    let mut budget = 6;
    assert_eq!(clone_value(&v, &mut budget), None);
    let mut budget = 7;
    assert_eq!(clone_value(&v, &mut budget), Some(v.clone()));
    assert_eq!(budget, 0);
}

#[test]
fn arbitrary_paths_and_documents_do_not_panic() {
    let docs = [
        store(),
        items(),
        json!(null),
        json!([]),
        json!({}),
        json!([[[]]]),
        json!({"a": {"a": {"a": [1, {"a": 2}]}}}),
        json!("text"),
        json!(-1.5),
    ];
    let paths = [
        "$",
        "$$",
        "$.a",
        "$..a",
        "$.*",
        "$..*",
        "$[*]",
        "$[0]",
        "$[-1]",
        "$[1:]",
        "$[:-1]",
        "$[-2:5]",
        "$[0,1]",
        "$['a','b']",
        "$..['a','b']",
        "$..[0]",
        "$..[0].a",
        "$.a.length()",
        "$..a.length()",
        "$..a.sum()",
        "$.a.min()",
        "$..a.first()",
        "$.a.last()",
        "$.a.keys()",
        "$[?(@)]",
        "$[?(@.a)]",
        "$..[?(@.a)]",
        "$[?(@ > 1)]",
        "$[?(@.a == $.a)]",
        "$[?(@..a.sum() > 1)]",
        "$[?(@.a =~ /.*/)]",
        "$[?(@.a in $..a)]",
        "$[?(!@.a)].a",
        "$..[?(@..[?(@.a)])]",
        "$answer[*]",
        "$obj..b",
        "$$..x",
    ];
    for doc in &docs {
        for path in paths {
            let _ = run(path, doc);
            let mut target = doc.clone();
            if let Ok(p) = Path::parse(path) {
                let _ = set(&mut target, &p, json!(1));
            }
        }
    }
}

#[test]
fn existence_requires_every_property() {
    let doc = json!([
        {"id": 1, "a": {"b": null}},
        {"id": 2, "a": null},
        {"id": 3, "a": {"c": 1}},
        {"id": 4, "a": 1, "b": 2},
        {"id": 5, "x": [{"y": 1}, {"z": 1}]},
        {"id": 6, "x": [{"y": 1}]}
    ]);
    expect(
        &doc,
        &[
            ("$[?(@.a.b)].id", json!([1])),
            ("$[?(@.a)].id", json!([1, 2, 3, 4])),
            ("$[?(!@.a.b)].id", json!([2, 3, 4, 5, 6])),
            // A merged union exists only when every name does.
            ("$[?(@['a','b'])].id", json!([4])),
            // An indefinite path exists unless a property on the way is missing.
            ("$[?(@.x[*].y)].id", json!([6])),
            ("$[?(@.x[*])].id", json!([5, 6])),
            ("$[?(@..y)].id", json!([1, 2, 3, 4, 5, 6])),
            ("$[?($$.Execution.Id)].id", json!([1, 2, 3, 4, 5, 6])),
            ("$[?($$.Nope)].id", json!([])),
        ],
    );
}

#[test]
fn filter_operands_from_descent_are_lists() {
    let doc = json!([{"id": 1, "x": 1, "in": {"x": 2}}, {"id": 2, "x": 3}]);
    expect(
        &doc,
        &[
            ("$[?(@..x == 1)].id", json!([])),
            ("$[?(@..x == [1, 2])].id", json!([1])),
            ("$[?(2 in @..x)].id", json!([1])),
            ("$[?(@.x in $..x)].id", json!([1, 2])),
            ("$[?(@..x.length() == 0)].id", json!([1, 2])),
        ],
    );
}

#[test]
fn numbers_and_strings_compare_like_java() {
    let doc = json!([
        {"n": 9_007_199_254_740_993_u64, "s": "😀"},
        {"n": 9_007_199_254_740_992_u64, "s": "｡"},
        {"n": 18_446_744_073_709_551_615_u64, "s": "a"},
        {"n": -1.5, "s": ""}
    ]);
    expect(
        &doc,
        &[
            (
                "$[?(@.n == 9007199254740993)].n",
                json!([9_007_199_254_740_993_u64]),
            ),
            (
                "$[?(@.n > 9007199254740992)].n",
                json!([9_007_199_254_740_993_u64, 18_446_744_073_709_551_615_u64]),
            ),
            ("$[?(@.n < 0)].n", json!([-1.5])),
            ("$[?(@.n == -1.50)].n", json!([-1.5])),
            ("$[?(@.n == '-1.5')].n", json!([-1.5])),
            ("$[?(@.n == '-15e-1')].n", json!([-1.5])),
            ("$[?(@.n == ' -1.5')].n", json!([])),
            // Java orders strings by UTF-16 code units: a surrogate pair sorts before U+FF61.
            ("$[?(@.s < '｡')].s", json!(["😀", "a", ""])),
            ("$[?(@.s > 'a')].s", json!(["😀", "｡"])),
            ("$[?(@.s <= '')].s", json!([""])),
        ],
    );
}

#[test]
fn filters_after_descent_test_containers_only() {
    // ScanPathToken tries a filter on each object and array; an array's elements are filtered only when
    // the array itself passes, so scalars inside arrays are never selected.
    let doc = json!({"a": [1, 5, [7, 2]], "b": 4, "c": {"v": 5}, "d": [{"v": 6}, {"v": 1}]});
    expect(
        &doc,
        &[
            ("$..[?(@ > 3)]", json!([])),
            ("$..[?(@.v > 3)]", json!([{"v": 5}, {"v": 6}])),
            ("$..[?(@.v)].v", json!([5, 6, 1])),
            // The root object has four members, so it passes itself.
            ("$..[?(@.length() > 2)]", json!([doc.clone()])),
            // `a` passes, so its elements are filtered; `[7, 2]` passes, but its numbers do not.
            ("$.a..[?(@.length() >= 2)]", json!([[7, 2]])),
        ],
    );
}

#[test]
fn set_builds_and_replaces_in_order() {
    let mut target = json!({});
    assert_eq!(set(&mut target, &parse("$.a.b"), json!(1)), Ok(()));
    assert_eq!(set(&mut target, &parse("$['x y']"), json!(2)), Ok(()));
    assert_eq!(set(&mut target, &parse("$.a.c"), json!(3)), Ok(()));
    assert_eq!(set(&mut target, &parse("$.a.b"), json!([0])), Ok(()));
    assert_eq!(
        set(&mut target, &parse("$.a.b[0]"), json!({"z": 1})),
        Ok(())
    );
    assert_eq!(to_text(&target), r#"{"a":{"b":[{"z":1}],"c":3},"x y":2}"#);

    let long: String = (0..2_000).map(|i| format!(".k{i}")).collect();
    let mut target = json!({});
    assert_eq!(
        set(&mut target, &parse(&format!("${long}")), json!(true)),
        Ok(())
    );
    assert_eq!(run(&format!("${long}"), &target), Ok(json!(true)));
    drop_deep(target);
}
