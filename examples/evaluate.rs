//! Measures the text lexicons on labelled JSONL, side by side with `rustrict` for English rows.
//!
//! ```text
//! cargo run --release --example evaluate -- [--policy PATH] [--errors N] FILE.jsonl [FILE...]
//! ```
//!
//! Each line is `{"id", "lang", "text", "labels"}` where `labels` holds category ids, `["none"]`
//! (judged benign) or `[]` (harmful or ambiguous but outside our categories). Every row's text is
//! classified as a record of its own (`Incident::from_text`); a finding of a category is a
//! prediction of that category. Per file, one table:
//!
//! - per category (threat, insult, discrimination, sexual, and any other category predicted):
//!   support, precision, recall and F1 over the rows with labels (`[]` rows excluded), and how many
//!   `[]` rows were predicted that category (`[]pred`);
//! - `threat|physical`: a threat or physical_attack finding against the threat labels, because the
//!   RTP-LX "violence" label mixes threats with descriptions of violence (shown when there are
//!   threat labels);
//! - `any harmful`: any finding versus `["none"]`, over the same rows;
//! - the false-positive rate on `["none"]` rows: any finding at all, and a verdict other than
//!   `not_harassment`.
//!
//! With `--cases PATH` (a case file or a directory of them, as `testing::Cases::from_path` reads;
//! `shipped` for the default policy's own cases) it also prints, per category, how the policy
//! cases fare: recall over the cases that expect the category, precision over those and the cases
//! that rule it out (`not`, or an expected `not_harassment`), findings in cases that say nothing
//! of the category, and how many cases fail and pinned verdicts hold (with `--errors N`, the first
//! N failing cases and why).
//!
//! English rows are also run through `rustrict` (`Censor::analyze`), mapped as printed under the
//! table. `--errors N` lists up to N false positives and false negatives per category with the
//! evidence, to look for kinds of expressions the lexicons miss (not to fit rows).

use kasuhara::testing::Cases;
use kasuhara::{Assessment, Engine, EngineBuilder, Incident, Policy, Verdict};
use rustrict::{Censor, Type};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

const CORE: [&str; 4] = ["threat", "insult", "discrimination", "sexual"];
const ANY: &str = "any harmful";
const VIOLENCE: &str = "threat|physical";

const USAGE: &str =
    "usage: evaluate [--policy PATH] [--errors N] [--cases PATH|shipped]... [FILE.jsonl...]";

struct Args {
    policy: Option<String>,
    errors: usize,
    files: Vec<String>,
    cases: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        policy: None,
        errors: 0,
        files: Vec::new(),
        cases: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => args.policy = Some(it.next().ok_or("--policy needs a path")?),
            "--errors" => {
                args.errors = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--errors needs a number")?;
            }
            "--cases" => args
                .cases
                .push(it.next().ok_or("--cases needs a path or `shipped`")?),
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`\n{USAGE}")),
            _ => args.files.push(a),
        }
    }
    if args.files.is_empty() && args.cases.is_empty() {
        return Err(USAGE.into());
    }
    Ok(args)
}

/// A labelled row.
struct Row {
    id: String,
    lang: String,
    text: String,
    /// `None` for `[]`: harmful or ambiguous, outside our categories.
    gold: Option<BTreeSet<String>>,
}

impl Row {
    fn is_none(&self) -> bool {
        self.gold.as_ref().is_some_and(|g| g.contains("none"))
    }
}

fn read_rows(path: &str) -> Result<(Vec<Row>, usize), String> {
    let data = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut rows = Vec::new();
    let mut bad = 0;
    for (i, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| {
                let id = v.get("id")?.as_str()?.to_string();
                let text = v.get("text")?.as_str()?.to_string();
                let lang = v.get("lang").and_then(|l| l.as_str()).unwrap_or("");
                let labels: Vec<String> = v
                    .get("labels")?
                    .as_array()?
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect();
                Some(Row {
                    id,
                    lang: lang.to_string(),
                    text,
                    gold: (!labels.is_empty()).then(|| labels.into_iter().collect()),
                })
            });
        match row {
            Some(r) => rows.push(r),
            None => {
                bad += 1;
                eprintln!("{path}:{}: not a labelled row, skipped", i + 1);
            }
        }
    }
    Ok((rows, bad))
}

/// Confusion counts of one system on one category.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    /// Predictions on `[]` rows.
    unlabelled: usize,
}

impl Counts {
    fn add(&mut self, gold: Option<bool>, pred: bool) {
        match (gold, pred) {
            (None, true) => self.unlabelled += 1,
            (Some(true), true) => self.tp += 1,
            (Some(false), true) => self.fp += 1,
            (Some(true), false) => self.fn_ += 1,
            _ => {}
        }
    }
    fn support(&self) -> usize {
        self.tp + self.fn_
    }
    fn precision(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    fn recall(&self) -> Option<f64> {
        let d = self.support();
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    fn f1(&self) -> Option<f64> {
        let d = 2 * self.tp + self.fp + self.fn_;
        (d > 0).then(|| 2.0 * self.tp as f64 / d as f64)
    }
}

/// What one system predicted for one row.
struct Prediction {
    categories: BTreeSet<String>,
    /// Any finding at all (for kasuhara also findings outside the four text categories).
    any: bool,
}

fn ours(a: &Assessment) -> Prediction {
    let categories: BTreeSet<String> = a
        .findings
        .iter()
        .map(|f| f.category.as_str().to_string())
        .collect();
    Prediction {
        any: !categories.is_empty(),
        categories,
    }
}

/// rustrict's analysis mapped to our categories: anything inappropriate (profane, offensive,
/// sexual or severely mean) → insult; offensive → discrimination; sexual → sexual; no threats.
fn theirs(text: &str) -> Prediction {
    let t = Censor::from_str(text).analyze();
    let mut categories = BTreeSet::new();
    if t.is(Type::INAPPROPRIATE) {
        categories.insert("insult".to_string());
    }
    if t.is(Type::OFFENSIVE) {
        categories.insert("discrimination".to_string());
    }
    if t.is(Type::SEXUAL) {
        categories.insert("sexual".to_string());
    }
    Prediction {
        any: t.is(Type::INAPPROPRIATE),
        categories,
    }
}

/// Per-system tallies over one file.
#[derive(Default)]
struct Tally {
    by_cat: BTreeMap<String, Counts>,
    violence: Counts,
    any: Counts,
    rows: usize,
    none_rows: usize,
    none_flagged: usize,
    none_verdict: usize,
}

impl Tally {
    fn add(&mut self, row: &Row, p: &Prediction, verdict: Option<Verdict>, cats: &[String]) {
        self.rows += 1;
        for c in cats {
            let gold = row.gold.as_ref().map(|g| g.contains(c));
            self.by_cat
                .entry(c.clone())
                .or_default()
                .add(gold, p.categories.contains(c));
        }
        // RTP-LX's "violence" holds threats and descriptions of violence alike (see the data
        // README): threat or physical_attack, against the threat labels.
        let gold = row.gold.as_ref().map(|g| g.contains("threat"));
        let pred = p.categories.contains("threat") || p.categories.contains("physical_attack");
        self.violence.add(gold, pred);
        let gold_any = row.gold.as_ref().map(|_| !row.is_none());
        self.any.add(gold_any, p.any);
        if row.is_none() {
            self.none_rows += 1;
            self.none_flagged += usize::from(p.any);
            self.none_verdict += usize::from(verdict.is_some_and(|v| v != Verdict::NotHarassment));
        }
    }
}

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "  -  ".to_string(), |v| format!("{v:.3}"))
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{n}/{d} = {:.1}%", 100.0 * n as f64 / d as f64)
    }
}

fn cells(c: Option<&Counts>) -> String {
    let c = c.copied().unwrap_or_default();
    format!(
        "{} {} {} {:>6}",
        fmt(c.precision()),
        fmt(c.recall()),
        fmt(c.f1()),
        c.unlabelled
    )
}

fn evidence_of(a: &Assessment, category: &str) -> String {
    a.findings
        .iter()
        .filter(|f| category == ANY || f.category.as_str() == category)
        .flat_map(|f| {
            f.evidence.iter().map(move |e| {
                format!(
                    "{}:{}",
                    f.category.as_str(),
                    e.excerpt.as_deref().unwrap_or(e.rule.as_str())
                )
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The near misses of `category` (reason, rule and excerpt), to see why a row was not flagged.
fn near_misses_of(a: &Assessment, category: &str) -> String {
    let v: Vec<String> = a
        .near_misses
        .iter()
        .filter(|m| category == ANY || m.category.as_str() == category)
        .map(|m| {
            format!(
                "{:?} {} on {}",
                m.reason,
                m.by.as_ref().map_or("-", |b| b.as_str()),
                m.evidence.excerpt.as_deref().unwrap_or("-")
            )
        })
        .collect();
    if v.is_empty() {
        String::new()
    } else {
        format!("(missed: {}) ", v.join("; "))
    }
}

fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

fn evaluate(engine: &Engine, path: &str, errors: usize) -> Result<(), String> {
    let (rows, bad) = read_rows(path)?;
    let incidents: Vec<Incident> = rows
        .iter()
        .map(|r| {
            let mut inc = Incident::from_text(r.id.clone(), r.text.clone());
            inc.language = (!r.lang.is_empty()).then(|| r.lang.clone());
            inc
        })
        .collect();
    let results = engine.classify_batch(&incidents);
    let mut assessments = Vec::with_capacity(rows.len());
    let mut failed = 0;
    for (row, r) in rows.iter().zip(results) {
        match r {
            Ok(a) => assessments.push(Some(a)),
            Err(e) => {
                failed += 1;
                eprintln!("{path}: {}: {e}", row.id);
                assessments.push(None);
            }
        }
    }
    let ours_pred: Vec<Prediction> = assessments
        .iter()
        .map(|a| {
            a.as_ref().map_or_else(
                || Prediction {
                    categories: BTreeSet::new(),
                    any: false,
                },
                ours,
            )
        })
        .collect();
    // The categories in the table: the four of the data sets, then any other predicted or labelled.
    let mut cats: Vec<String> = CORE.iter().map(|c| c.to_string()).collect();
    let mut extra: BTreeSet<String> = BTreeSet::new();
    for (row, p) in rows.iter().zip(&ours_pred) {
        extra.extend(p.categories.iter().cloned());
        if let Some(g) = &row.gold {
            extra.extend(g.iter().filter(|c| *c != "none").cloned());
        }
    }
    cats.extend(extra.into_iter().filter(|c| !CORE.contains(&c.as_str())));

    let mut k = Tally::default();
    let mut r = Tally::default();
    let mut langs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unlabelled = 0;
    for ((row, p), a) in rows.iter().zip(&ours_pred).zip(&assessments) {
        *langs.entry(row.lang.as_str()).or_default() += 1;
        unlabelled += usize::from(row.gold.is_none());
        k.add(row, p, a.as_ref().map(|a| a.verdict), &cats);
        if row.lang == "en" {
            r.add(row, &theirs(&row.text), None, &cats);
        }
    }
    let langs = langs
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "== {path}: {} rows ({langs}); none {}, [] {unlabelled}{}{}",
        rows.len(),
        k.none_rows,
        if bad > 0 {
            format!(", {bad} unreadable")
        } else {
            String::new()
        },
        if failed > 0 {
            format!(", {failed} refused")
        } else {
            String::new()
        },
    );
    let with_r = r.rows > 0;
    print!(
        "{:<20} {:>7} | {:<5} {:<5} {:<5} {:>6}",
        "category", "support", "P", "R", "F1", "[]pred"
    );
    if with_r {
        print!(" | rustrict({} en rows) P R F1 []pred", r.rows);
    }
    println!();
    let row_line = |name: &str, kc: Option<&Counts>, rc: Option<&Counts>| {
        let support = kc.map_or(0, Counts::support);
        print!("{name:<20} {support:>7} | {}", cells(kc));
        if with_r {
            print!(" | {}", cells(rc));
        }
        println!();
    };
    for c in &cats {
        row_line(c, k.by_cat.get(c), r.by_cat.get(c));
    }
    if k.violence.support() > 0 {
        row_line(VIOLENCE, Some(&k.violence), Some(&r.violence));
    }
    row_line(ANY, Some(&k.any), Some(&r.any));
    print!(
        "FP on none: any finding {}; verdict != not_harassment {}",
        pct(k.none_flagged, k.none_rows),
        pct(k.none_verdict, k.none_rows)
    );
    if with_r {
        print!(
            " | rustrict inappropriate {}",
            pct(r.none_flagged, r.none_rows)
        );
    }
    println!();
    if with_r {
        println!(
            "rustrict mapping: inappropriate (profane|offensive|sexual|severely mean) → insult and any harmful; offensive → discrimination; sexual → sexual; threat never predicted"
        );
    }

    if errors > 0 {
        for c in cats.iter().map(String::as_str).chain([ANY]) {
            let mut fps = Vec::new();
            let mut fns = Vec::new();
            for ((row, p), a) in rows.iter().zip(&ours_pred).zip(&assessments) {
                let Some(gold) = &row.gold else { continue };
                let g = if c == ANY {
                    !row.is_none()
                } else {
                    gold.contains(c)
                };
                let pr = if c == ANY {
                    p.any
                } else {
                    p.categories.contains(c)
                };
                if pr && !g && fps.len() < errors {
                    let ev = a.as_ref().map(|a| evidence_of(a, c)).unwrap_or_default();
                    fps.push(format!("  FP {} [{ev}] {}", row.id, one_line(&row.text)));
                }
                if g && !pr && fns.len() < errors {
                    let missed = a.as_ref().map(|a| near_misses_of(a, c)).unwrap_or_default();
                    fns.push(format!("  FN {} {missed}{}", row.id, one_line(&row.text)));
                }
            }
            if !fps.is_empty() || !fns.is_empty() {
                println!("-- {c}");
                for l in fps.iter().chain(&fns) {
                    println!("{l}");
                }
            }
        }
    }
    Ok(())
}

/// Per category, how policy cases fare (see the module docs).
fn evaluate_cases(engine: &Engine, name: &str, cases: &Cases, errors: usize) {
    #[derive(Default)]
    struct Tally {
        tp: usize,
        fn_: usize,
        fp: usize,
        negatives: usize,
        unlabelled: usize,
    }
    let report = cases.run(engine);
    let mut by_cat: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut failed, mut pinned, mut verdicts_held, mut benign_cases) = (0, 0, 0, 0);
    for r in report.results() {
        if !r.failures.is_empty() {
            failed += 1;
        }
        let expect = &r.case.expect;
        let found: BTreeSet<&str> = r.assessment.as_ref().map_or_else(BTreeSet::new, |a| {
            a.findings.iter().map(|f| f.category.as_str()).collect()
        });
        if let Some(v) = expect.verdict {
            pinned += 1;
            verdicts_held += usize::from(r.assessment.as_ref().is_some_and(|a| a.verdict == v));
        }
        let benign = expect.verdict == Some(Verdict::NotHarassment);
        benign_cases += usize::from(benign);
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        // A category named twice, or both expected and ruled out, counts once, as expected.
        for c in &expect.categories {
            if !seen.insert(c) {
                continue;
            }
            let t = by_cat.entry(c.clone()).or_default();
            if found.contains(c.as_str()) {
                t.tp += 1;
            } else {
                t.fn_ += 1;
            }
        }
        for c in &expect.not {
            if !seen.insert(c) {
                continue;
            }
            let t = by_cat.entry(c.clone()).or_default();
            t.negatives += 1;
            t.fp += usize::from(found.contains(c.as_str()));
        }
        for c in &found {
            if !seen.contains(c) && !benign {
                by_cat.entry(c.to_string()).or_default().unlabelled += 1;
            }
        }
        if benign {
            // An expected not_harassment rules out every category the case does not name.
            for c in engine.policy().categories() {
                let id = c.id().as_str();
                if !seen.contains(id) {
                    let t = by_cat.entry(id.to_string()).or_default();
                    t.negatives += 1;
                    t.fp += usize::from(found.contains(id));
                }
            }
        }
    }
    println!(
        "== policy cases {name}: {} cases, {failed} failing; {verdicts_held}/{pinned} pinned verdicts hold ({benign_cases} expect not_harassment)",
        report.results().len()
    );
    println!(
        "{:<22} {:>8} {:>6} | {:<5} {:<5} {:>5}",
        "category", "expected", "ruled", "P", "R", "other"
    );
    for (c, t) in &by_cat {
        let p = (t.tp + t.fp > 0).then(|| t.tp as f64 / (t.tp + t.fp) as f64);
        let r = (t.tp + t.fn_ > 0).then(|| t.tp as f64 / (t.tp + t.fn_) as f64);
        let f = |x: Option<f64>| x.map_or("  -  ".to_string(), |x| format!("{x:.3}"));
        println!(
            "{c:<22} {:>8} {:>6} | {} {} {:>5}",
            t.tp + t.fn_,
            t.negatives,
            f(p),
            f(r),
            t.unlabelled
        );
    }
    println!(
        "expected: cases expecting the category; ruled: cases ruling it out (`not`, or an expected not_harassment verdict); other: findings in cases that say nothing of it"
    );
    for r in report
        .results()
        .iter()
        .filter(|r| !r.failures.is_empty())
        .take(errors)
    {
        println!(
            "FAILED {} ({}:{}): {}",
            r.case.name,
            r.case.file,
            r.case.line,
            r.failures.join("; ")
        );
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
    // Near misses only matter for the error listing.
    let build = |p: Policy| EngineBuilder::new(p).near_misses(args.errors > 0).build();
    let engine = match &args.policy {
        None if args.errors == 0 => Ok(Ok(Engine::default())),
        None => Ok(build(Policy::default())),
        Some(p) => Policy::from_path(p).map(build),
    };
    let engine = match engine {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut status = ExitCode::SUCCESS;
    for (i, spec) in args.cases.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let cases = match spec.as_str() {
            "shipped" => Ok(Cases::default_policy_cases()),
            path => Cases::from_path(path),
        };
        match cases {
            Ok(cases) => evaluate_cases(&engine, spec, &cases, args.errors),
            Err(e) => {
                eprintln!("{e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    for (i, f) in args.files.iter().enumerate() {
        if i > 0 || !args.cases.is_empty() {
            println!();
        }
        if let Err(e) = evaluate(&engine, f, args.errors) {
            eprintln!("{e}");
            status = ExitCode::FAILURE;
        }
    }
    status
}
