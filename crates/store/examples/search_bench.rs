//! Search benchmark: builds a store of N messages (mixed Chinese and English, 20–400 characters,
//! ~1,000 conversations) in a temporary folder, then times queries of several kinds.
//!
//! ```text
//! cargo run --release -p desk-store --example search_bench -- --messages 1000000
//! ```
//! Options: `--messages N` (default 100000), `--conversations N` (1000), `--queries N` (250),
//! `--limit N` (results per query, 50), `--seed N`, `--keep 1` (keep the database).

use std::time::{Duration, Instant};

use desk_store::{MessageRole, MessageStatus, NewMessage, Store};

const ZH_WORDS: &[&str] = &[
    "我们",
    "你好",
    "模型",
    "数据",
    "问题",
    "可以",
    "这个",
    "一个",
    "通义千问",
    "人工智能",
    "机器学习",
    "数据库",
    "代码",
    "函数",
    "性能",
    "优化",
    "用户",
    "系统",
    "服务器",
    "网络",
    "请求",
    "返回",
    "错误",
    "测试",
    "部署",
    "文档",
    "接口",
    "参数",
    "结果",
    "分析",
    "训练",
    "推理",
    "向量",
    "检索",
    "搜索",
    "天气",
    "今天",
    "明天",
    "北京",
    "上海",
    "杭州",
    "公司",
    "产品",
    "市场",
    "客户",
    "价格",
    "时间",
    "需要",
    "如何",
    "为什么",
    "什么",
    "因为",
    "所以",
    "但是",
    "如果",
    "已经",
    "正在",
    "应该",
    "非常",
    "重要",
    "简单",
    "复杂",
    "方法",
    "步骤",
    "例子",
    "解释",
    "总结",
    "建议",
    "翻译",
    "中文",
    "英文",
    "文章",
    "报告",
    "会议",
    "项目",
    "计划",
    "团队",
    "管理",
    "设计",
    "架构",
    "安全",
    "隐私",
    "权限",
    "百炼",
    "阿里云",
    "大语言模型",
    "提示词",
    "上下文",
    "流式输出",
    "令牌",
    "费用",
    "额度",
    "地区",
];
const ZH_FILLER: &str = "的了是在和有也就都而及与着或一个上下中大小多少好很更最还";
const EN_WORDS: &[&str] = &[
    "the",
    "model",
    "data",
    "function",
    "please",
    "explain",
    "how",
    "to",
    "use",
    "this",
    "code",
    "error",
    "request",
    "response",
    "stream",
    "token",
    "database",
    "query",
    "index",
    "search",
    "performance",
    "memory",
    "thread",
    "async",
    "rust",
    "python",
    "server",
    "client",
    "api",
    "key",
    "deploy",
    "test",
    "build",
    "release",
    "version",
    "config",
    "file",
    "folder",
    "network",
    "timeout",
    "retry",
    "limit",
    "quota",
    "region",
    "price",
    "user",
    "message",
    "conversation",
    "history",
    "summary",
    "translate",
    "chinese",
    "english",
    "write",
    "email",
    "report",
    "meeting",
    "plan",
    "design",
    "review",
    "bug",
    "fix",
    "feature",
    "support",
    "customer",
    "market",
    "product",
    "team",
    "and",
    "or",
    "with",
    "for",
    "from",
    "into",
    "about",
    "when",
    "why",
    "what",
    "which",
    "because",
    "qwen",
    "alibaba",
    "cloud",
    "latency",
    "throughput",
    "benchmark",
    "vector",
    "embedding",
];
/// Words that occur about once per 50,000 messages each.
const RARE: &[&str] = &[
    "zanthoxylum",
    "quibblesome",
    "vorpalblade",
    "xerophytic",
    "mnemonicon",
    "glossolalia",
    "饕餮盛宴",
    "魑魅魍魉",
    "醍醐灌顶",
    "耄耋之年",
];

struct Kind {
    name: &'static str,
    queries: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        name: "common English word",
        queries: &[
            "model",
            "database",
            "request",
            "performance",
            "stream",
            "config",
            "error",
        ],
    },
    Kind {
        name: "two English words",
        queries: &[
            "rust async",
            "model error",
            "search index",
            "retry timeout",
            "data query",
        ],
    },
    Kind {
        name: "rare word",
        queries: &[
            "zanthoxylum",
            "quibblesome",
            "glossolalia",
            "vorpalblade",
            "nonexistentword",
        ],
    },
    Kind {
        name: "Chinese 3-4 chars",
        queries: &[
            "通义千问",
            "数据库",
            "人工智能",
            "机器学习",
            "服务器",
            "饕餮盛宴",
            "大语言",
        ],
    },
    Kind {
        name: "2-char fallback",
        queries: &["模型", "天气", "杭州", "饕餮", "qw"],
    },
];

struct Args {
    messages: usize,
    conversations: usize,
    queries: usize,
    limit: usize,
    seed: u64,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        messages: 100_000,
        conversations: 1_000,
        queries: 250,
        limit: 50,
        seed: 7,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: {value:?} is not a number"))?;
        let size = usize::try_from(number).map_err(|_| format!("{flag}: too large"))?;
        match flag.as_str() {
            "--messages" => args.messages = size,
            "--conversations" => args.conversations = size.max(1),
            "--queries" => args.queries = size.max(1),
            "--limit" => args.limit = size,
            "--seed" => args.seed = number,
            "--keep" => args.keep = number != 0,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

/// Skewed pick: low indexes are much more frequent, as words are in real text.
fn pick<'a>(rng: &mut fastrand::Rng, words: &[&'a str]) -> &'a str {
    let r = rng.f64();
    words[((r * r * r) * words.len() as f64) as usize % words.len()]
}

fn text(rng: &mut fastrand::Rng) -> String {
    // Lengths 20–400, most of them short, like chat turns.
    let target = 20 + ((rng.f64() * rng.f64()) * 380.0) as usize;
    let style = rng.u8(0..10);
    let mut out = String::new();
    let mut chars = 0;
    let filler: Vec<char> = ZH_FILLER.chars().collect();
    while chars < target {
        let chinese = match style {
            0..=4 => true,
            5..=7 => false,
            _ => rng.bool(),
        };
        let piece: String = if rng.u32(0..50_000 / 8) == 0 {
            RARE[rng.usize(0..RARE.len())].to_owned()
        } else if chinese {
            let mut p = pick(rng, ZH_WORDS).to_owned();
            if rng.bool() {
                p.push(filler[rng.usize(0..filler.len())]);
            }
            if rng.u8(0..8) == 0 {
                p.push('，');
            }
            p
        } else {
            let mut p = format!("{} ", pick(rng, EN_WORDS));
            if rng.u8(0..10) == 0 {
                p.push_str(". ");
            }
            p
        };
        chars += piece.chars().count();
        out.push_str(&piece);
    }
    out.chars()
        .take(target)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("desk.sqlite3");
    let mut rng = fastrand::Rng::with_seed(args.seed);
    println!(
        "building {} messages in {} conversations at {}",
        args.messages,
        args.conversations,
        path.display()
    );
    let started = Instant::now();
    {
        let mut store = Store::open(&path)?;
        let conversations: Vec<String> = (0..args.conversations)
            .map(|i| {
                store
                    .create_conversation(&format!("对话 conversation {i}"), "qwen-plus")
                    .map(|c| c.id)
            })
            .collect::<Result<_, _>>()?;
        let per_batch = 100;
        let mut written = 0;
        let mut batch_index = 0;
        while written < args.messages {
            let count = per_batch.min(args.messages - written);
            let batch: Vec<NewMessage> = (0..count)
                .map(|i| NewMessage {
                    role: if i % 2 == 0 {
                        MessageRole::User
                    } else {
                        MessageRole::Assistant
                    },
                    content: text(&mut rng),
                    status: MessageStatus::Complete,
                    model: (i % 2 == 1).then(|| "qwen-plus".to_owned()),
                    demo: false,
                    attachments: Vec::new(),
                    tool_call_id: None,
                })
                .collect();
            let conversation = &conversations[batch_index % conversations.len()];
            store.insert_messages(conversation, &batch)?;
            written += count;
            batch_index += 1;
            if written % 100_000 < per_batch {
                println!(
                    "  {written} messages, {:.0} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    let build = started.elapsed();
    let (quick_check, recovery_scan) = {
        let raw = rusqlite::Connection::open(&path)?;
        let t = Instant::now();
        let verdict: String = raw.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        let quick = t.elapsed();
        assert_eq!(verdict, "ok");
        let t = Instant::now();
        let _: i64 = raw.query_row(
            "SELECT COUNT(*) FROM messages WHERE status = 'streaming'",
            [],
            |r| r.get(0),
        )?;
        (quick, t.elapsed())
    };
    let opened = Instant::now();
    let store = Store::open(&path)?;
    let open_time = opened.elapsed();
    let db_bytes = file_size(&path);
    let wal = {
        let mut p = path.as_os_str().to_owned();
        p.push("-wal");
        file_size(std::path::Path::new(&p))
    };

    println!();
    println!(
        "built in {:.1} s; reopening (migrations check + quick_check + recovery) took {}",
        build.as_secs_f64(),
        ms(open_time)
    );
    println!(
        "of which PRAGMA quick_check alone {}; finding replies left streaming {}",
        ms(quick_check),
        ms(recovery_scan)
    );
    println!(
        "database file: {:.1} MiB (+ WAL {:.1} MiB)",
        db_bytes as f64 / 1048576.0,
        wal as f64 / 1048576.0
    );
    println!();
    println!(
        "{} queries, limit {} results each, newest first",
        args.queries, args.limit
    );
    println!(
        "{:<22} {:>6} {:>10} {:>10} {:>10} {:>9}",
        "kind", "runs", "p50", "p95", "max", "avg hits"
    );
    let mut all = Vec::new();
    let per_kind = args.queries.div_ceil(KINDS.len());
    for kind in KINDS {
        let mut times = Vec::with_capacity(per_kind);
        let mut hits = 0;
        for i in 0..per_kind {
            let query = kind.queries[i % kind.queries.len()];
            let t = Instant::now();
            let found = store.search(query, args.limit)?;
            times.push(t.elapsed());
            hits += found.len();
        }
        times.sort();
        println!(
            "{:<22} {:>6} {:>10} {:>10} {:>10} {:>9.1}",
            kind.name,
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            hits as f64 / times.len() as f64
        );
        all.extend(times);
    }
    all.sort();
    if args.keep {
        println!("kept {}", dir.keep().display());
    }
    println!(
        "{:<22} {:>6} {:>10} {:>10} {:>10}",
        "all",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.95)),
        ms(*all.last().unwrap_or(&Duration::ZERO))
    );
    Ok(())
}
