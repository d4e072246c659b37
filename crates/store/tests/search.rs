//! Full-text search on a real file: Chinese substrings, English in any case, user input taken
//! literally, short queries through the fallback, highlighted snippets.

mod common;

use common::said;

use desk_store::{
    HIGHLIGHT_END, HIGHLIGHT_START, MessageRole, MessageStatus, NewMessage, SearchHit, Store,
};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    conversation: String,
}

fn fixture(texts: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("desk.sqlite3")).expect("open");
    let conversation = store
        .create_conversation("搜索测试 Search", "qwen-plus")
        .expect("create")
        .id;
    let new: Vec<NewMessage> = texts.iter().map(|t| said(MessageRole::User, t)).collect();
    store.insert_messages(&conversation, &new).expect("insert");
    Fixture {
        _dir: dir,
        store,
        conversation,
    }
}

fn contents(store: &Store, hits: &[SearchHit]) -> Vec<String> {
    hits.iter()
        .map(|h| store.message(&h.message_id).expect("message").content)
        .collect()
}

fn marked(text: &str) -> String {
    format!("{HIGHLIGHT_START}{text}{HIGHLIGHT_END}")
}

#[test]
fn a_chinese_word_is_found_inside_a_longer_sentence() {
    let f = fixture(&[
        "我最近一直在用通义千问写代码，效果很不错。",
        "今天天气很好，我们去公园散步吧。",
        "通义实验室发布了新模型",
    ]);
    let hits = f.store.search("通义千问", 10).expect("search");
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.conversation_id, f.conversation);
    assert_eq!(hit.conversation_title, "搜索测试 Search");
    assert_eq!(hit.role, MessageRole::User);
    assert!(
        hit.snippet.contains(&marked("通义千问")),
        "{:?}",
        hit.snippet
    );
    let json = serde_json::to_value(hit).expect("json");
    for key in [
        "messageId",
        "conversationId",
        "conversationTitle",
        "role",
        "snippet",
        "createdAt",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}

#[test]
fn english_matches_in_any_case_and_inside_words() {
    let f = fixture(&[
        "The Quick Brown Fox jumps over the lazy dog",
        "nothing to see here",
        "Use QuickSort for this",
    ]);
    let hits = f.store.search("quick", 10).expect("search");
    assert_eq!(hits.len(), 2);
    let hits = f.store.search("BROWN fox", 10).expect("search");
    assert_eq!(
        contents(&f.store, &hits),
        vec!["The Quick Brown Fox jumps over the lazy dog"]
    );
    assert!(
        hits[0].snippet.contains(&marked("Brown")),
        "{:?}",
        hits[0].snippet
    );
    assert!(
        hits[0].snippet.contains(&marked("Fox")),
        "{:?}",
        hits[0].snippet
    );
    assert!(
        f.store
            .search("quick zebra", 10)
            .expect("search")
            .is_empty(),
        "every term must match"
    );
}

#[test]
fn search_syntax_in_the_query_is_taken_literally() {
    let f = fixture(&[
        r#"config: "timeout" OR -retry* (see NEAR docs)"#,
        "timeout retry config",
        "a or b",
    ]);
    for query in [
        r#""timeout""#,
        "-retry*",
        "config:",
        r#"config: "timeout" OR -retry*"#,
        "(see NEAR",
    ] {
        let hits = f.store.search(query, 10).expect(query);
        assert_eq!(
            contents(&f.store, &hits),
            vec![r#"config: "timeout" OR -retry* (see NEAR docs)"#],
            "query {query:?}"
        );
    }
    // Broken syntax, were it syntax: must neither fail nor match everything.
    for query in [r#"""#, "*", "OR", "AND (", "\"unbalanced", "col:umn", "NOT"] {
        let hits = f.store.search(query, 10).expect(query);
        for content in contents(&f.store, &hits) {
            for term in query.split_whitespace() {
                assert!(
                    content.to_lowercase().contains(&term.to_lowercase()),
                    "{query:?} matched {content:?}"
                );
            }
        }
    }
}

#[test]
fn two_chinese_characters_are_found_through_the_fallback() {
    let f = fixture(&["今天天气不错", "明天可能下雨", "天气预报说 weather is fine"]);
    let hits = f.store.search("天气", 10).expect("search");
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        assert!(hit.snippet.contains(&marked("天气")), "{:?}", hit.snippet);
    }
    let hits = f.store.search("下雨", 10).expect("search");
    assert_eq!(contents(&f.store, &hits), vec!["明天可能下雨"]);
    // LIKE wildcards in the query are literal too.
    assert!(f.store.search("%", 10).expect("search").is_empty());
    assert!(f.store.search("_", 10).expect("search").is_empty());
    // One Latin letter, case-insensitively.
    assert_eq!(f.store.search("W", 10).expect("search").len(), 1);
}

#[test]
fn a_long_term_and_a_short_term_together() {
    let f = fixture(&["通义千问 的 API 很好用", "通义千问 写诗", "API docs"]);
    let hits = f.store.search("通义千问 API", 10).expect("search");
    assert_eq!(contents(&f.store, &hits), vec!["通义千问 的 API 很好用"]);
    // A term too short for the index narrows what the index found.
    let hits = f.store.search("通义千问 写诗", 10).expect("search");
    assert_eq!(contents(&f.store, &hits), vec!["通义千问 写诗"]);
    let hits = f.store.search("api 的", 10).expect("search");
    assert_eq!(contents(&f.store, &hits), vec!["通义千问 的 API 很好用"]);
}

#[test]
fn replies_are_searchable_once_finished_and_their_old_text_is_forgotten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let mut store = Store::open(&path).expect("open");
    let conversation = store
        .create_conversation("t", "qwen-plus")
        .expect("create")
        .id;
    let inserted = store
        .insert_messages(
            &conversation,
            &common::prompt_and_placeholder("hello there"),
        )
        .expect("insert");
    let reply = &inserted[1].id;
    assert!(store.search("hello", 10).expect("search").len() == 1);
    store
        .save_streaming_text(reply, "draft answer about elephants")
        .expect("save");
    assert!(
        store.search("elephants", 10).expect("search").is_empty(),
        "a reply still streaming is not indexed yet"
    );
    store
        .finish_message(
            reply,
            "final answer about giraffes",
            MessageStatus::Complete,
            None,
            None,
            None,
        )
        .expect("finish");
    assert_eq!(store.search("giraffes", 10).expect("search").len(), 1);
    assert!(store.search("elephants", 10).expect("search").is_empty());
    assert!(store.search("elep", 10).expect("search").is_empty());

    // An empty reply (failed before any text) never shows up.
    let failed = store
        .insert_messages(&conversation, &common::prompt_and_placeholder("another"))
        .expect("insert");
    store
        .finish_message(&failed[1].id, "", MessageStatus::Failed, None, None, None)
        .expect("finish");
    assert!(
        store
            .search("a", 50)
            .expect("search")
            .iter()
            .all(|h| h.message_id != failed[1].id)
    );

    // A reply a crash left streaming is indexed when recovery marks it partial.
    let cut = store
        .insert_messages(&conversation, &common::prompt_and_placeholder("more"))
        .expect("insert");
    store
        .save_streaming_text(&cut[1].id, "zebras were mentioned")
        .expect("save");
    drop(store);
    let store = Store::open(&path).expect("reopen");
    let hits = store.search("zebras", 10).expect("search");
    assert_eq!(
        hits.iter()
            .map(|h| h.message_id.as_str())
            .collect::<Vec<_>>(),
        vec![cut[1].id.as_str()]
    );
}

#[test]
fn results_are_newest_first_and_limited() {
    let texts: Vec<String> = (0..30)
        .map(|i| format!("message number {i} about rust"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let f = fixture(&refs);
    let hits = f.store.search("rust", 5).expect("search");
    assert_eq!(
        contents(&f.store, &hits),
        (25..30)
            .rev()
            .map(|i| format!("message number {i} about rust"))
            .collect::<Vec<_>>()
    );
    assert_eq!(f.store.search("ru", 7).expect("search").len(), 7);
    assert!(f.store.search("rust", 0).expect("search").is_empty());
    assert!(f.store.search("   ", 10).expect("search").is_empty());
}
