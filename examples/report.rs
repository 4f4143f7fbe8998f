//! A self-contained HTML report of a batch of incidents, for compliance teams.
//!
//! ```text
//! cargo run --release --example report -- [--policy PATH] [--lang ja|en] [--out FILE.html] [--max-cases N] [FILE...]
//! ```
//!
//! Reads JSONL incidents from the files (or stdin), classifies them in input order with a stream
//! (earlier records of the same `customer` count as history), and writes one HTML file (to
//! standard output without `--out`): verdict, category, channel and month counts as SVG bar
//! charts; a contact timeline for each repeat customer with off-hours contacts marked; and the
//! cases, each expanding to its text with the evidence highlighted, the findings' explanations,
//! clauses and recommended responses, in the chosen language.
//!
//! The page needs nothing else: inline CSS, inline SVG, no scripts, fonts or network, and no
//! JavaScript (rows expand with `<details>`). Charts count every record; the case list is capped
//! (`--max-cases`, 500 by default: harassment first, then needs review, then the rest, each in
//! input order) and the page says how many were left out, so 100,000 records still make a file of
//! a few MB.
//!
//! A line that cannot be read is counted and listed in the report with its line number and error
//! (never dropped silently); the exit status is then 1. Usage, policy or output errors exit with 2.

#[path = "common/input.rs"]
mod input;
#[path = "common/progress.rs"]
mod progress;

use kasuhara::summary::{CustomerSummary, Summary, VerdictCounts};
use kasuhara::{
    Assessment, Channel, Evidence, Incident, Lang, Policy, Prong, Severity, Source, Speaker,
    Stream, Verdict, describe_evidence,
};
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str =
    "usage: report [--policy PATH] [--lang ja|en] [--out FILE.html] [--max-cases N] [FILE...]";
/// Unreadable lines listed in the page (all are counted).
const MAX_ERRORS_LISTED: usize = 200;
/// Repeat customers whose timelines are drawn (all are counted).
const MAX_TIMELINES: usize = 30;
/// Contacts listed in the table under one timeline (all are drawn).
const MAX_CONTACT_ROWS: usize = 100;
const VERDICTS: [Verdict; 3] = [
    Verdict::Harassment,
    Verdict::NeedsReview,
    Verdict::NotHarassment,
];

struct Args {
    policy: Option<String>,
    lang: Lang,
    out: Option<String>,
    max_cases: usize,
    files: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        policy: None,
        lang: Lang::En,
        out: None,
        max_cases: 500,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => args.policy = Some(it.next().ok_or("--policy needs a path")?),
            "--lang" => args.lang = it.next().ok_or("--lang needs `en` or `ja`")?.parse()?,
            "--out" => args.out = Some(it.next().ok_or("--out needs a file name")?),
            "--max-cases" => {
                args.max_cases = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--max-cases needs a number")?
            }
            "-h" | "--help" => return Err(USAGE.into()),
            "-" => args.files.push(a),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`\n{USAGE}")),
            _ => args.files.push(a),
        }
    }
    Ok(args)
}

/// One listed case.
struct Case {
    line: usize,
    incident: Incident,
    assessment: Assessment,
}

/// A line that could not be read or classified.
struct Failure {
    /// `None` when a whole file could not be opened or read on.
    line: Option<usize>,
    file: String,
    error: String,
}

/// Everything the page needs, gathered in one pass.
struct Batch {
    summary: Summary,
    /// Per verdict (in `VERDICTS` order): the first `max_cases` cases.
    cases: [Vec<Case>; 3],
    failures: Vec<Failure>,
    failed: usize,
    lines: usize,
    max_cases: usize,
}

impl Batch {
    /// Counts an unreadable line (`line` is `None` for a file that could not be opened or read
    /// on: listed, not counted as a line).
    fn fail(&mut self, line: Option<usize>, file: &str, error: String) {
        if line.is_some() {
            self.failed += 1;
        }
        if self.failures.len() < MAX_ERRORS_LISTED || line.is_none() {
            self.failures.push(Failure {
                line,
                file: file.to_string(),
                error,
            });
        }
    }

    /// Classifies one parsed line with the stream and adds it to the summary and, while there
    /// is room, to the listed cases.
    fn record(
        &mut self,
        stream: &mut Stream<'_>,
        line: usize,
        name: &str,
        parsed: Result<Incident, String>,
    ) -> bool {
        let outcome = parsed.and_then(|incident| match stream.classify(&incident) {
            Ok(assessment) => Ok((incident, assessment)),
            Err(e) => Err(e.to_string()),
        });
        match outcome {
            Err(e) => {
                self.fail(Some(line), name, e);
                false
            }
            Ok((incident, assessment)) => {
                self.summary.add(&incident, &assessment);
                let max = self.max_cases;
                let slot = &mut self.cases[verdict_index(assessment.verdict)];
                if slot.len() < max {
                    slot.push(Case {
                        line,
                        incident,
                        assessment,
                    });
                }
                true
            }
        }
    }
}

fn verdict_index(v: Verdict) -> usize {
    match v {
        Verdict::Harassment => 0,
        Verdict::NeedsReview => 1,
        Verdict::NotHarassment => 2,
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let engine = match input::build_engine(args.policy.as_deref(), args.lang, false) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let names: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.clone()
    };
    let mut progress = progress::Progress::new("report", args.out.is_none());
    progress.set_total_bytes(progress::total_size(&names));
    let mut batch = Batch {
        summary: Summary::new(engine.policy()),
        cases: [Vec::new(), Vec::new(), Vec::new()],
        failures: Vec::new(),
        failed: 0,
        lines: 0,
        max_cases: args.max_cases,
    };
    let mut stream = engine.stream();
    let all_read = input::read_lines(&names, |event| match event {
        input::Event::IoError { file, message } => {
            progress.clear();
            eprintln!("`{file}`: {message}");
            batch.fail(None, file, message);
        }
        input::Event::Line {
            number,
            file,
            bytes,
            record,
        } => {
            batch.lines = number;
            let ok = batch.record(&mut stream, number, file, record.map(|b| *b));
            progress.tick(bytes, ok);
        }
    });
    let io_failed = !all_read;
    progress.finish();

    let html = render(&batch, engine.policy(), args.lang);
    let written = match &args.out {
        Some(path) => std::fs::write(path, html.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(html.as_bytes()).and_then(|()| out.flush())
        }
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if batch.failed > 0 {
        eprintln!(
            "{} of {} lines could not be read; they are listed in the report",
            batch.failed, batch.lines
        );
    }
    if batch.failed > 0 || io_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// Picks the English or Japanese label.
#[derive(Clone, Copy)]
struct L(Lang);

impl L {
    fn s(self, en: &'static str, ja: &'static str) -> &'static str {
        match self.0 {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }
    fn verdict(self, v: Verdict) -> &'static str {
        match v {
            Verdict::Harassment => self.s("Harassment", "カスハラに該当"),
            Verdict::NeedsReview => self.s("Needs review", "要確認"),
            Verdict::NotHarassment => self.s("Not harassment", "該当せず"),
        }
    }
    fn channel(self, c: Option<Channel>) -> &'static str {
        match c {
            Some(Channel::Phone) => self.s("Phone", "電話"),
            Some(Channel::Email) => self.s("Email", "メール"),
            Some(Channel::InPerson) => self.s("In person", "対面"),
            Some(Channel::Chat) => self.s("Chat", "チャット"),
            Some(Channel::SocialMedia) => self.s("Social media", "SNS"),
            Some(Channel::Letter) => self.s("Letter", "手紙・FAX"),
            Some(Channel::Other) => self.s("Other", "その他"),
            None => self.s("Unknown", "不明"),
        }
    }
    fn severity(self, s: Severity) -> &'static str {
        match s {
            Severity::High => self.s("high", "高"),
            Severity::Medium => self.s("medium", "中"),
            Severity::Low => self.s("low", "低"),
        }
    }
    fn prong(self, p: Prong) -> &'static str {
        match p {
            Prong::Validity => self.s("Validity of the request", "要求内容の妥当性"),
            Prong::Conduct => self.s("Means or manner of conduct", "手段・態様の相当性"),
        }
    }
    fn speaker(self, s: Speaker) -> &'static str {
        match s {
            Speaker::Customer => self.s("customer", "顧客"),
            Speaker::Staff => self.s("staff", "従業員"),
            Speaker::Other => self.s("other", "その他"),
        }
    }
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Harassment => "h",
        Verdict::NeedsReview => "r",
        Verdict::NotHarassment => "n",
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// 12345 → "12,345".
fn num(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

const CSS: &str = r#"
:root{--h:#c62828;--r:#e08600;--n:#2e7d32;--off:#6d28d9;--ink:#1f2933;--mute:#616e7c;--line:#d9e2ec;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.55 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif;color:var(--ink);background:var(--bg)}
header,main{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}
.meta{color:var(--mute);margin:0}
nav{margin:10px 0 0;display:flex;gap:14px;flex-wrap:wrap}
nav a{color:#1d4ed8;text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:22px}
.card span{color:var(--mute);font-size:12px}
.card.h b{color:var(--h)}.card.r b{color:var(--r)}.card.n b{color:var(--n)}.card.e b{color:#9b1c1c}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.panel h3{margin-top:0}
svg{max-width:100%;height:auto;display:block}
svg text{font-family:inherit;font-size:12px;fill:var(--ink)}
svg .h{fill:var(--h)}svg .r{fill:var(--r)}svg .n{fill:var(--n)}svg .c{fill:#9aa5b1}
svg .axis{stroke:#9aa5b1;stroke-width:1}
svg .offmark{fill:var(--off)}
svg .flag{fill:none;stroke:var(--h);stroke-width:2}
svg .small{font-size:11px;fill:var(--mute)}
.legend{display:flex;gap:14px;flex-wrap:wrap;color:var(--mute);font-size:12px;margin:4px 0 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.sw.h{background:var(--h)}.sw.r{background:var(--r)}.sw.n{background:var(--n)}.sw.c{background:#9aa5b1}.sw.off{background:var(--off)}
.sw.flag{background:#fff;border:2px solid var(--h);border-radius:50%}
.note{background:#fffbea;border:1px solid #f0d070;border-radius:6px;padding:8px 12px;margin:8px 0}
.customer{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin:0 0 10px}
.customer h3{margin:4px 0}
.customer h3 small{font-weight:normal;color:var(--mute);margin-left:8px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef2f7;font-weight:600}
.cases{background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.row{display:grid;grid-template-columns:110px 150px 90px 120px 1fr 56px;gap:8px;align-items:baseline;padding:6px 12px}
.head{background:#eef2f7;font-weight:600}
details.case{border-top:1px solid var(--line)}
details.case>summary{list-style:none;cursor:pointer}
details.case>summary::-webkit-details-marker{display:none}
details.case>summary:hover{background:#f0f4f8}
details.case>summary .id::before{content:"▸ ";color:var(--mute)}
details.case[open]>summary .id::before{content:"▾ "}
details.case[open]>summary{background:#eef2f7}
.body{padding:8px 16px 14px 32px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;white-space:nowrap}
.badge.h{background:var(--h)}.badge.r{background:var(--r)}.badge.n{background:var(--n)}
.quote{background:var(--bg);border-left:4px solid var(--line);padding:8px 12px;white-space:pre-wrap;word-break:break-word;margin:6px 0}
.utt{margin:2px 0}.utt .who{color:var(--mute);font-size:12px;margin-right:6px}
mark{background:#ffe066;padding:0 1px;border-radius:2px;box-shadow:inset 0 -2px 0 var(--h)}
.finding{border:1px solid var(--line);border-radius:6px;padding:6px 12px;margin:8px 0}
.finding h4{margin:0;font-size:14px}
.finding p{margin:4px 0}
.finding ul{margin:4px 0;padding-left:20px}
.k{color:var(--mute);font-size:12px;margin-right:4px}
code{font-size:12px;background:#eef2f7;padding:0 4px;border-radius:3px}
.uncounted{color:var(--mute);font-size:12px}
.muted{color:var(--mute)}
footer{max-width:1180px;margin:24px auto;padding:0 24px;color:var(--mute);font-size:12px}
"#;

fn render(batch: &Batch, policy: &Policy, lang: Lang) -> String {
    let l = L(lang);
    let s = &batch.summary;
    let tz = jiff::tz::TimeZone::get(&s.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut h = String::with_capacity(1 << 20);
    let title = l.s(
        "Customer harassment report",
        "カスタマーハラスメント判定レポート",
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        if lang == Lang::Ja { "ja" } else { "en" },
        esc(title),
        esc(title),
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} <b>{}</b> {} · {} · {} {}</p>",
        l.s("Policy", "方針"),
        esc(&s.policy.name),
        esc(&s.policy.version),
        esc(&s.policy.engine),
        l.s("dates and months in", "日時・月の時間帯:"),
        esc(&s.time_zone),
    );
    let _ = writeln!(
        h,
        "<nav><a href=\"#charts\">{}</a><a href=\"#customers\">{}</a><a href=\"#cases\">{}</a>{}</nav>\n</header>\n<main>",
        l.s("Charts", "集計"),
        l.s("Repeat customers", "繰り返し連絡する顧客"),
        l.s("Cases", "事案一覧"),
        if !batch.failures.is_empty() {
            format!(
                "<a href=\"#errors\">{}</a>",
                l.s("Unreadable lines", "読み込めなかった行")
            )
        } else {
            String::new()
        }
    );

    // Key numbers.
    h.push_str("<div class=\"cards\">");
    let card = |h: &mut String, class: &str, n: String, label: &str| {
        let _ = write!(
            h,
            "<div class=\"card {class}\"><b>{n}</b><span>{}</span></div>",
            esc(label)
        );
    };
    card(
        &mut h,
        "",
        num(s.records),
        l.s("records assessed", "判定した記録"),
    );
    for v in VERDICTS {
        card(
            &mut h,
            verdict_class(v),
            num(s.verdicts.get(v)),
            &format!("{} ({})", l.verdict(v), pct(s.verdicts.get(v), s.records)),
        );
    }
    card(
        &mut h,
        "",
        format!("{} / {}", num(s.repeat_customers.len()), num(s.customers)),
        l.s(
            "repeat customers / customers",
            "繰り返し連絡する顧客 / 顧客",
        ),
    );
    card(
        &mut h,
        if batch.failed > 0 { "e" } else { "" },
        num(batch.failed),
        l.s("unreadable lines", "読み込めなかった行"),
    );
    h.push_str("</div>\n");

    // Charts.
    let _ = writeln!(
        h,
        "<h2 id=\"charts\">{}</h2>",
        l.s("Counts over all records", "全記録の集計")
    );
    legend(&mut h, l, false);
    h.push_str("<div class=\"grid\">\n");
    let verdict_rows: Vec<Row> = VERDICTS
        .iter()
        .map(|&v| {
            let mut c = VerdictCounts::default();
            match v {
                Verdict::Harassment => c.harassment = s.verdicts.harassment,
                Verdict::NeedsReview => c.needs_review = s.verdicts.needs_review,
                Verdict::NotHarassment => c.not_harassment = s.verdicts.not_harassment,
            }
            Row {
                label: l.verdict(v).to_string(),
                sub: None,
                counts: c,
            }
        })
        .collect();
    panel(
        &mut h,
        l.s("Verdicts", "判定結果"),
        &verdict_rows,
        "chart-verdicts",
    );
    let mut prong_rows: Vec<Row> = s
        .prongs
        .iter()
        .map(|(p, c)| Row {
            label: l.prong(*p).to_string(),
            sub: None,
            counts: *c,
        })
        .collect();
    prong_rows.sort_by_key(|r| std::cmp::Reverse(r.counts.total()));
    panel(
        &mut h,
        l.s(
            "Records with a finding, by prong",
            "認定事項のある記録（二つの観点別）",
        ),
        &prong_rows,
        "chart-prongs",
    );
    let mut cat_rows: Vec<(usize, Row)> = s
        .categories
        .iter()
        .map(|(id, c)| {
            let (order, name) = match policy.category(id) {
                Some(cat) => (
                    policy
                        .categories()
                        .iter()
                        .position(|x| x.id() == id)
                        .unwrap_or(usize::MAX),
                    cat.name().get(lang).to_string(),
                ),
                None => (usize::MAX, id.to_string()),
            };
            (
                order,
                Row {
                    label: name,
                    sub: Some(id.to_string()),
                    counts: *c,
                },
            )
        })
        .collect();
    cat_rows.sort_by_key(|(order, r)| (std::cmp::Reverse(r.counts.total()), *order));
    let cat_rows: Vec<Row> = cat_rows.into_iter().map(|(_, r)| r).collect();
    panel(
        &mut h,
        l.s("Records by category", "類型別の記録数"),
        &cat_rows,
        "chart-categories",
    );
    let channel_rows: Vec<Row> = s
        .channels
        .iter()
        .map(|(c, n)| Row {
            label: l.channel(Some(*c)).to_string(),
            sub: None,
            counts: *n,
        })
        .collect();
    let no_channel = s.no_channel;
    panel_with_extra(
        &mut h,
        l.s("Records by channel", "経路別の記録数"),
        &channel_rows,
        "chart-channels",
        if no_channel > 0 {
            Some(format!(
                "{}: {}",
                l.s("without a channel", "経路不明"),
                num(no_channel)
            ))
        } else {
            None
        },
    );
    let month_rows: Vec<Row> = s
        .months
        .iter()
        .map(|(m, c)| Row {
            label: m.clone(),
            sub: None,
            counts: *c,
        })
        .collect();
    panel_with_extra(
        &mut h,
        l.s("Records by month", "月別の記録数"),
        &month_rows,
        "chart-months",
        if s.undated > 0 {
            Some(format!(
                "{}: {}",
                l.s("without a date", "日時不明"),
                num(s.undated)
            ))
        } else {
            None
        },
    );
    h.push_str("</div>\n");

    customers(&mut h, s, l, &tz);
    cases(&mut h, batch, policy, l, &tz);
    errors(&mut h, batch, l);

    let _ = writeln!(
        h,
        "</main>\n<footer>{} {} · {} {} · {}</footer>\n</body>\n</html>",
        l.s("Generated by", "作成:"),
        esc(&s.policy.engine),
        l.s("policy", "方針"),
        esc(&format!("{} {}", s.policy.name, s.policy.version)),
        l.s(
            "Self-contained file: no scripts, fonts or network resources.",
            "外部リソース（スクリプト・フォント・ネットワーク）を使わない単一ファイルです。"
        ),
    );
    h
}

/// A bar of a chart: a label, an optional id under it, and the counts stacked by verdict.
struct Row {
    label: String,
    sub: Option<String>,
    counts: VerdictCounts,
}

fn legend(h: &mut String, l: L, timeline: bool) {
    h.push_str("<div class=\"legend\">");
    for v in VERDICTS {
        let _ = write!(
            h,
            "<span><i class=\"sw {}\"></i>{}</span>",
            verdict_class(v),
            esc(l.verdict(v))
        );
    }
    if timeline {
        let _ = write!(
            h,
            "<span><i class=\"sw c\"></i>{}</span><span><i class=\"sw off\"></i>{}</span><span><i class=\"sw flag\"></i>{}</span>",
            esc(l.s("contact listed by a record", "記録に記載された過去の連絡")),
            esc(l.s("outside business hours", "営業時間外")),
            esc(l.s("off-hours contact finding", "時間外連絡として認定")),
        );
    }
    h.push_str("</div>\n");
}

fn panel(h: &mut String, title: &str, rows: &[Row], id: &str) {
    panel_with_extra(h, title, rows, id, None);
}

fn panel_with_extra(h: &mut String, title: &str, rows: &[Row], id: &str, extra: Option<String>) {
    let _ = write!(
        h,
        "<div class=\"panel\" id=\"{id}\"><h3>{}</h3>",
        esc(title)
    );
    bar_chart(h, title, rows);
    if let Some(extra) = extra {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(&extra));
    }
    h.push_str("</div>\n");
}

/// A horizontal bar chart, bars stacked by verdict, with the total after each bar.
fn bar_chart(h: &mut String, title: &str, rows: &[Row]) {
    const LABEL: f64 = 250.0;
    const BAR: f64 = 300.0;
    const W: f64 = 620.0;
    let row_h = if rows.iter().any(|r| r.sub.is_some()) {
        30.0
    } else {
        22.0
    };
    let height = (rows.len() as f64 * row_h + 8.0).max(30.0);
    let max = rows
        .iter()
        .map(|r| r.counts.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let _ = write!(
        h,
        "<svg viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    if rows.is_empty() {
        h.push_str("<text x=\"0\" y=\"18\" class=\"small\">—</text>");
    }
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let bar_y = y + 3.0;
        let bar_h = row_h - 8.0;
        let text_y = if r.sub.is_some() { y + 12.0 } else { y + 14.0 };
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            esc(&r.label)
        );
        if let Some(sub) = &r.sub {
            let _ = write!(
                h,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"small\">{}</text>",
                LABEL - 8.0,
                y + 25.0,
                esc(sub)
            );
        }
        let mut x = LABEL;
        for v in VERDICTS {
            let n = r.counts.get(v);
            if n == 0 {
                continue;
            }
            let w = (n as f64 / max * BAR).max(1.0);
            let _ = write!(
                h,
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{bar_y:.1}\" width=\"{w:.1}\" height=\"{bar_h:.1}\"><title>{}: {}</title></rect>",
                verdict_class(v),
                esc(&r.label),
                num(n)
            );
            x += w;
        }
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{text_y}\">{}</text>",
            x + 6.0,
            num(r.counts.total())
        );
    }
    h.push_str("</svg>");
}

fn customers(h: &mut String, s: &Summary, l: L, tz: &jiff::tz::TimeZone) {
    let _ = writeln!(
        h,
        "<h2 id=\"customers\">{}</h2>",
        l.s(
            "Repeat customers: contact timelines",
            "繰り返し連絡する顧客：連絡の時系列"
        )
    );
    if s.repeat_customers.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{}</p>",
            l.s(
                "No customer has two or more contacts in this batch.",
                "このバッチには2回以上連絡した顧客はいません。"
            )
        );
        return;
    }
    let mut list: Vec<(&String, &CustomerSummary)> = s.repeat_customers.iter().collect();
    list.sort_by_key(|(id, c)| {
        (
            std::cmp::Reverse(c.verdicts.harassment),
            std::cmp::Reverse(c.timeline.len()),
            std::cmp::Reverse(c.off_hours()),
            *id,
        )
    });
    let _ = writeln!(
        h,
        "<p class=\"muted\">{}</p>",
        esc(&match l.0 {
            Lang::En => format!(
                "A repeat customer has two or more records, or one record listing earlier contacts. \
                 Showing {} of {} (most harassment records, then most contacts, first). Times in {}.",
                num(list.len().min(MAX_TIMELINES)),
                num(list.len()),
                s.time_zone
            ),
            Lang::Ja => format!(
                "2件以上の記録がある顧客、または過去の連絡が記載された記録のある顧客です。{} 人中 {} 人を表示（カスハラ該当件数、連絡回数の多い順）。時刻は {}。",
                num(list.len()),
                num(list.len().min(MAX_TIMELINES)),
                s.time_zone
            ),
        })
    );
    legend(h, l, true);
    for (id, c) in list.into_iter().take(MAX_TIMELINES) {
        let _ = write!(
            h,
            "<div class=\"customer\"><h3>{}<small>{} {} · {} {} · {} {} · {} {}</small></h3>",
            esc(id),
            l.s("records", "記録"),
            num(c.records),
            l.s("contacts", "連絡"),
            num(c.timeline.len()),
            l.s("off hours", "時間外"),
            num(c.off_hours()),
            l.s("harassment", "カスハラ該当"),
            num(c.verdicts.harassment),
        );
        timeline(h, c, l, tz);
        let _ = write!(
            h,
            "<details><summary>{}</summary><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(l.s("Contacts", "連絡一覧")),
            l.s("Local time", "日時"),
            l.s("Channel", "経路"),
            l.s("Record", "記録"),
            l.s("Verdict", "判定"),
            l.s("Off hours", "時間外"),
        );
        for e in c.timeline.values().take(MAX_CONTACT_ROWS) {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.local),
                l.channel(e.channel),
                if e.records.is_empty() {
                    esc(l.s("(listed contact)", "（記載された過去の連絡）"))
                } else {
                    esc(&e.records.join(", "))
                },
                e.verdict.map_or(String::new(), |v| format!(
                    "<span class=\"badge {}\">{}</span>",
                    verdict_class(v),
                    esc(l.verdict(v))
                )),
                match (e.off_hours, e.flagged) {
                    (_, true) => l.s("yes (finding)", "はい（認定）"),
                    (true, false) => l.s("yes", "はい"),
                    (false, false) => "",
                },
            );
        }
        h.push_str("</table>");
        if c.timeline.len() > MAX_CONTACT_ROWS {
            let _ = write!(
                h,
                "<p class=\"muted\">{} {}</p>",
                l.s(
                    "Contacts not listed (drawn above):",
                    "表示していない連絡（上の図には表示）:"
                ),
                num(c.timeline.len() - MAX_CONTACT_ROWS)
            );
        }
        h.push_str("</details></div>\n");
    }
}

/// A customer's contacts on a time axis: records as dots in their verdict's colour, listed
/// contacts grey; off-hours contacts with a purple mark above, flagged ones ringed in red.
fn timeline(h: &mut String, c: &CustomerSummary, l: L, tz: &jiff::tz::TimeZone) {
    const W: f64 = 1000.0;
    const PAD: f64 = 20.0;
    const AXIS: f64 = 34.0;
    let (Some((first, _)), Some((last, _))) =
        (c.timeline.first_key_value(), c.timeline.last_key_value())
    else {
        return;
    };
    let t0 = first.as_second() as f64;
    let span = (last.as_second() as f64 - t0).max(0.0);
    let x_of = |at: jiff::Timestamp| {
        if span == 0.0 {
            W / 2.0
        } else {
            PAD + (at.as_second() as f64 - t0) / span * (W - 2.0 * PAD)
        }
    };
    let _ = write!(
        h,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} 64\" width=\"{W}\" height=\"64\" role=\"img\" aria-label=\"{}\">\
         <line class=\"axis\" x1=\"{PAD}\" y1=\"{AXIS}\" x2=\"{}\" y2=\"{AXIS}\"></line>",
        esc(l.s("contact timeline", "連絡の時系列")),
        W - PAD
    );
    for e in c.timeline.values() {
        let x = x_of(e.at);
        // A short tooltip: the contact table below has the details.
        let mut tip = e.local.clone();
        match e.records.as_slice() {
            [] => {}
            [one] => tip.push_str(&format!(" · {one}")),
            [one, rest @ ..] => tip.push_str(&format!(" · {one} +{}", rest.len())),
        }
        if e.off_hours {
            tip.push_str(&format!(" · {}", l.s("off hours", "時間外")));
            let _ = write!(
                h,
                "<rect class=\"offmark\" x=\"{:.1}\" y=\"{}\" width=\"3\" height=\"12\"></rect>",
                x - 1.5,
                AXIS - 24.0,
            );
        }
        if e.flagged {
            let _ = write!(
                h,
                "<circle class=\"flag\" cx=\"{x:.1}\" cy=\"{AXIS}\" r=\"9\"></circle>"
            );
        }
        let class = e.verdict.map_or("c", verdict_class);
        let r = if e.records.is_empty() { 4.0 } else { 6.0 };
        let _ = write!(
            h,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{AXIS}\" r=\"{r}\"><title>{}</title></circle>",
            esc(&tip)
        );
    }
    let _ = write!(
        h,
        "<text x=\"{PAD}\" y=\"58\" class=\"small\">{}</text>",
        esc(&first_of(c))
    );
    // Dates at a quarter, half and three quarters of the span, when it covers days.
    if span >= 4.0 * 86_400.0 {
        for q in [0.25, 0.5, 0.75] {
            let t = jiff::Timestamp::from_second((t0 + span * q) as i64).unwrap_or(*first);
            let x = PAD + q * (W - 2.0 * PAD);
            let _ = write!(
                h,
                "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\"></line><text x=\"{x:.1}\" y=\"58\" class=\"small\" text-anchor=\"middle\">{}</text>",
                AXIS + 8.0,
                AXIS + 12.0,
                tz.to_datetime(t).date()
            );
        }
    }
    if c.timeline.len() > 1 {
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"58\" class=\"small\" text-anchor=\"end\">{}</text>",
            W - PAD,
            esc(&last_of(c))
        );
    }
    h.push_str("</svg>");
}

fn first_of(c: &CustomerSummary) -> String {
    c.timeline
        .values()
        .next()
        .map_or(String::new(), |e| e.local.clone())
}

fn last_of(c: &CustomerSummary) -> String {
    c.timeline
        .values()
        .next_back()
        .map_or(String::new(), |e| e.local.clone())
}

fn cases(h: &mut String, batch: &Batch, policy: &Policy, l: L, tz: &jiff::tz::TimeZone) {
    let s = &batch.summary;
    let _ = writeln!(h, "<h2 id=\"cases\">{}</h2>", l.s("Cases", "事案一覧"));
    // The cap is shared: harassment first, then needs review, then the rest.
    let mut room = batch.max_cases;
    let mut shown = [0usize; 3];
    for (i, v) in VERDICTS.iter().enumerate() {
        shown[i] = s.verdicts.get(*v).min(room).min(batch.cases[i].len());
        room -= shown[i];
    }
    let listed: usize = shown.iter().sum();
    let left_out = s.records - listed;
    let _ = write!(
        h,
        "<p class=\"note\" id=\"cap\">{}",
        esc(&match l.0 {
            Lang::En => format!(
                "Listed: {} of {} records (cap {}: harassment first, then needs review, then not harassment, each in input order). Click a row to see the text with the evidence highlighted, the explanation, the policy clause and the recommended response.",
                num(listed),
                num(s.records),
                num(batch.max_cases)
            ),
            Lang::Ja => format!(
                "一覧表示：{} 件中 {} 件（上限 {} 件。カスハラ該当、要確認、該当せずの順に、それぞれ入力順）。行をクリックすると、根拠を強調した本文、説明、方針の条項、推奨対応を表示します。",
                num(s.records),
                num(listed),
                num(batch.max_cases)
            ),
        })
    );
    if left_out > 0 {
        let parts: Vec<String> = VERDICTS
            .iter()
            .enumerate()
            .filter(|(i, v)| s.verdicts.get(**v) > shown[*i])
            .map(|(i, v)| format!("{} {}", l.verdict(*v), num(s.verdicts.get(*v) - shown[i])))
            .collect();
        let _ = write!(
            h,
            "<br><b>{}</b> {} — {}",
            esc(l.s("Not listed:", "一覧に表示していない記録：")),
            esc(&parts.join(" · ")),
            esc(l.s(
                "counted in the charts above.",
                "上の集計には含まれています。"
            ))
        );
    }
    h.push_str("</p>\n");
    for (i, v) in VERDICTS.iter().enumerate() {
        let total = s.verdicts.get(*v);
        if total == 0 {
            continue;
        }
        let _ = writeln!(
            h,
            "<h3><span class=\"badge {}\">{}</span> {} / {}</h3>",
            verdict_class(*v),
            esc(l.verdict(*v)),
            num(shown[i]),
            num(total)
        );
        if shown[i] == 0 {
            continue;
        }
        let _ = write!(
            h,
            "<div class=\"cases\"><div class=\"row head\"><span>{}</span><span>{}</span><span>{}</span><span>{}</span><span>{}</span><span>{}</span></div>",
            l.s("ID", "ID"),
            l.s("Date", "日時"),
            l.s("Channel", "経路"),
            l.s("Verdict", "判定"),
            l.s("Categories", "類型"),
            l.s("Score", "スコア"),
        );
        for (k, case) in batch.cases[i][..shown[i]].iter().enumerate() {
            // The first case of the list is open, to show what a row holds.
            case_row(h, case, policy, l, tz, i == 0 && k == 0);
        }
        h.push_str("</div>\n");
    }
}

fn category_name(policy: &Policy, id: &kasuhara::CategoryId, lang: Lang) -> String {
    policy
        .category(id)
        .map_or_else(|| id.to_string(), |c| c.name().get(lang).to_string())
}

fn case_row(
    h: &mut String,
    case: &Case,
    policy: &Policy,
    l: L,
    tz: &jiff::tz::TimeZone,
    open: bool,
) {
    let (inc, a) = (&case.incident, &case.assessment);
    let date = inc.occurred_at.map_or(String::new(), |t| {
        tz.to_datetime(t).strftime("%Y-%m-%d %H:%M").to_string()
    });
    let cats: Vec<String> = a
        .findings
        .iter()
        .map(|f| category_name(policy, &f.category, l.0))
        .collect();
    let _ = write!(
        h,
        "<details class=\"case\" id=\"case-{}\"{}><summary class=\"row\"><span class=\"id\">{}</span><span>{}</span><span>{}</span><span><span class=\"badge {}\">{}</span></span><span>{}</span><span>{:.2}</span></summary><div class=\"body\">",
        case.line,
        if open { " open" } else { "" },
        esc(&a.id),
        esc(&date),
        l.channel(inc.channel),
        verdict_class(a.verdict),
        esc(l.verdict(a.verdict)),
        esc(&cats.join(l.s(", ", "、"))),
        a.score,
    );
    let _ = write!(
        h,
        "<p><span class=\"k\">{}</span>{} · <span class=\"k\">{}</span>{:.2} · <span class=\"k\">{}</span>{:.2} · <span class=\"k\">{}</span>{}{}</p>",
        l.s("Reason", "判定理由"),
        esc(&a.reason),
        l.s("validity", "妥当性"),
        a.prongs.validity,
        l.s("conduct", "言動"),
        a.prongs.conduct,
        l.s("input line", "入力行"),
        case.line,
        inc.customer.as_deref().map_or(String::new(), |c| format!(
            " · <span class=\"k\">{}</span>{}",
            l.s("customer", "顧客"),
            esc(c)
        )),
    );
    if let Some(text) = &inc.text {
        let _ = write!(
            h,
            "<div class=\"k\">{}</div><div class=\"quote\">{}</div>",
            l.s("Text", "本文"),
            highlight(text, &marks(a, policy, l.0, Source::Text, None))
        );
    }
    if !inc.utterances.is_empty() {
        let _ = write!(
            h,
            "<div class=\"k\">{}</div><div class=\"quote\">",
            l.s("Transcript", "発話記録")
        );
        for (i, u) in inc.utterances.iter().enumerate() {
            let _ = write!(
                h,
                "<div class=\"utt\"><span class=\"who\">[{i}] {}</span>{}</div>",
                l.speaker(u.speaker),
                highlight(&u.text, &marks(a, policy, l.0, Source::Utterance, Some(i)))
            );
        }
        h.push_str("</div>");
    }
    if a.findings.is_empty() {
        let _ = write!(
            h,
            "<p class=\"muted\">{}</p>",
            l.s("No findings.", "認定事項はありません。")
        );
    }
    for f in &a.findings {
        let _ = write!(
            h,
            "<div class=\"finding\"><h4>{} <code>{}</code> <span class=\"k\">{} {} · {} {:.2}</span>{}</h4><p>{}</p><p><span class=\"k\">{}</span>{}{}</p><ul>",
            esc(&category_name(policy, &f.category, l.0)),
            esc(f.category.as_str()),
            l.s("severity", "重大度"),
            l.severity(f.severity),
            l.s("score", "スコア"),
            f.score,
            if f.counted {
                String::new()
            } else {
                format!(
                    " <span class=\"uncounted\">({})</span>",
                    l.s("not counted toward the verdict", "判定に不算入")
                )
            },
            esc(&f.explanation),
            l.s("Policy clause", "方針の条項"),
            f.section
                .as_deref()
                .map_or(String::new(), |s| format!("§{} ", esc(s))),
            esc(&f.clause),
        );
        for e in &f.evidence {
            let _ = write!(
                h,
                "<li><code>{}</code> {}</li>",
                esc(e.rule.as_str()),
                esc(&describe_evidence(e, l.0))
            );
        }
        h.push_str("</ul>");
        if !f.responses.is_empty() {
            let resp: Vec<&str> = f.responses.iter().map(|r| r.text.as_str()).collect();
            let _ = write!(
                h,
                "<p><span class=\"k\">{}</span>{}</p>",
                l.s("Recommended response", "推奨対応"),
                esc(&resp.join(" "))
            );
        }
        h.push_str("</div>");
    }
    if !a.responses.is_empty() {
        let resp: Vec<&str> = a.responses.iter().map(|r| r.text.as_str()).collect();
        let _ = write!(
            h,
            "<p><span class=\"k\">{}</span>{}</p>",
            l.s("Response to the case", "事案への対応"),
            esc(&resp.join(" "))
        );
    }
    h.push_str("</div></details>\n");
}

/// The evidence spans of one text (the record's `text`, or utterance `utt`), with the names of
/// the categories each supports.
fn marks(
    a: &Assessment,
    policy: &Policy,
    lang: Lang,
    source: Source,
    utt: Option<usize>,
) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for f in &a.findings {
        for e in &f.evidence {
            if let Some((s, end)) = span_in(e, source, utt) {
                out.push((s, end, category_name(policy, &f.category, lang)));
            }
        }
    }
    out
}

fn span_in(e: &Evidence, source: Source, utt: Option<usize>) -> Option<(usize, usize)> {
    (e.source == source && e.utterance == utt)
        .then_some(e.span)
        .flatten()
}

/// The text, escaped, with `<mark>` around each evidence span (overlapping spans merged; the
/// title names the categories). Spans that are not char boundaries of `text` are skipped.
fn highlight(text: &str, spans: &[(usize, usize, String)]) -> String {
    let mut spans: Vec<&(usize, usize, String)> = spans
        .iter()
        .filter(|(s, e, _)| {
            s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .collect();
    spans.sort_by_key(|(s, e, _)| (*s, *e));
    let mut merged: Vec<(usize, usize, Vec<&str>)> = Vec::new();
    for (s, e, name) in spans {
        match merged.last_mut() {
            Some(last) if *s < last.1 => {
                last.1 = last.1.max(*e);
                if !last.2.contains(&name.as_str()) {
                    last.2.push(name);
                }
            }
            _ => merged.push((*s, *e, vec![name.as_str()])),
        }
    }
    let mut out = String::with_capacity(text.len() + merged.len() * 32);
    let mut at = 0;
    for (s, e, names) in merged {
        out.push_str(&esc(&text[at..s]));
        let _ = write!(
            out,
            "<mark title=\"{}\">{}</mark>",
            esc(&names.join(", ")),
            esc(&text[s..e])
        );
        at = e;
    }
    out.push_str(&esc(&text[at..]));
    out
}

fn errors(h: &mut String, batch: &Batch, l: L) {
    if batch.failures.is_empty() {
        return;
    }
    let files = batch.failures.iter().filter(|f| f.line.is_none()).count();
    let _ = writeln!(
        h,
        "<h2 id=\"errors\">{} ({}){}</h2>",
        l.s("Unreadable lines", "読み込めなかった行"),
        num(batch.failed),
        if files > 0 {
            format!(
                " · {} ({})",
                l.s("unreadable files", "読み込めなかったファイル"),
                num(files)
            )
        } else {
            String::new()
        }
    );
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        l.s("Line", "行"),
        l.s("File", "ファイル"),
        l.s("Error", "エラー")
    );
    for f in &batch.failures {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.line.map_or("—".to_string(), |n| n.to_string()),
            esc(&f.file),
            esc(&f.error)
        );
    }
    h.push_str("</table>\n");
    let listed = batch.failures.iter().filter(|f| f.line.is_some()).count();
    if batch.failed > listed {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} {}</p>",
            l.s(
                "Further unreadable lines not listed:",
                "表示していない読み込めなかった行:"
            ),
            num(batch.failed - listed)
        );
    }
}
