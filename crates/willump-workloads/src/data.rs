//! Reading and writing the workloads' data: the real CSV and TSV files of `../shared/data`, the
//! seeded stratified split, and the plain files the Python side-by-side script reads.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use willump::runtime::rng::Rng;
use willump::runtime::value::{Column, ColumnType, F64Column, I64Column, StringColumn, Table};

use crate::{Error, Result};

/// Reads the columns `schema` (name and type) of a comma-separated file with a header line.
///
/// `NA` and an empty field are missing values. Fields may be quoted with `"` (a doubled `""`
/// inside is one quote). Extra columns are ignored. Errors name the file, the line and the column:
/// a missing header column, a row with too few fields, a number that does not parse.
pub fn read_csv(path: &Path, schema: &[(&str, ColumnType)]) -> Result<Table> {
    let op = format!("read_csv({})", path.display());
    let text = fs::read_to_string(path).map_err(|e| Error::op(&op, e.to_string()))?;
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().ok_or_else(|| Error::op(&op, "empty file"))?);
    let positions: Vec<usize> = schema
        .iter()
        .map(|(name, _)| {
            header.iter().position(|h| h == name).ok_or_else(|| Error::invalid(&op, *name, "not in the header"))
        })
        .collect::<Result<_>>()?;
    let mut builders: Vec<Builder> = schema.iter().map(|(_, t)| Builder::new(*t)).collect();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let fields = split_csv_line(line);
        for ((b, &pos), (name, _)) in builders.iter_mut().zip(&positions).zip(schema) {
            let field = fields.get(pos).ok_or_else(|| {
                Error::invalid(
                    &op,
                    *name,
                    format!("line {}: {} fields, the header has {}", i + 2, fields.len(), header.len()),
                )
            })?;
            b.push(field).map_err(|m| Error::invalid(&op, *name, format!("line {}: {m}", i + 2)))?;
        }
    }
    Table::try_new(schema.iter().zip(builders).map(|((n, _), b)| (n.to_string(), b.finish())).collect())
}

/// One line of a CSV file split into fields (quotes removed).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

/// A column being read.
enum Builder {
    Str(Vec<Option<String>>),
    I64(Vec<Option<i64>>),
    F64(Vec<Option<f64>>),
}

impl Builder {
    fn new(t: ColumnType) -> Self {
        match t {
            ColumnType::Str => Builder::Str(Vec::new()),
            ColumnType::I64 => Builder::I64(Vec::new()),
            _ => Builder::F64(Vec::new()),
        }
    }

    fn push(&mut self, field: &str) -> std::result::Result<(), String> {
        let missing = field.is_empty() || field == "NA";
        match self {
            Builder::Str(v) => v.push((!missing).then(|| field.to_string())),
            Builder::I64(v) => v.push(if missing {
                None
            } else {
                Some(field.parse().map_err(|_| format!("`{field}` is not an integer"))?)
            }),
            Builder::F64(v) => v.push(if missing {
                None
            } else {
                Some(field.parse().map_err(|_| format!("`{field}` is not a number"))?)
            }),
        }
        Ok(())
    }

    fn finish(self) -> Column {
        match self {
            Builder::Str(v) => Column::Str(StringColumn::from_options(&v)),
            Builder::I64(v) => Column::I64(I64Column::from_options(&v)),
            Builder::F64(v) => Column::F64(F64Column::from_options(&v)),
        }
    }
}

/// Reads a labelled text file of `../shared/data/texts`: tab-separated, one header line whose
/// first column is `label` (0 or 1) and whose last column is `text`, no quoting.
pub fn read_labelled_texts(path: &Path) -> Result<(Vec<String>, Vec<f64>)> {
    let op = format!("read_labelled_texts({})", path.display());
    let raw = fs::read_to_string(path).map_err(|e| Error::op(&op, e.to_string()))?;
    let mut lines = raw.lines();
    let header: Vec<&str> = lines.next().ok_or_else(|| Error::op(&op, "empty file"))?.split('\t').collect();
    if header.first() != Some(&"label") || header.last() != Some(&"text") {
        return Err(Error::op(&op, format!("expected a header `label ... text`, found {header:?}")));
    }
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.splitn(header.len(), '\t').collect();
        if fields.len() != header.len() {
            return Err(Error::invalid(
                &op,
                "text",
                format!("line {}: {} fields, expected {}", i + 2, fields.len(), header.len()),
            ));
        }
        let label = match fields[0] {
            "0" => 0.0,
            "1" => 1.0,
            other => return Err(Error::invalid(&op, "label", format!("line {}: `{other}` is not 0 or 1", i + 2))),
        };
        labels.push(label);
        texts.push(fields[header.len() - 1].to_string());
    }
    Ok((texts, labels))
}

/// The five labelled text files of the text task, in the data README's order.
pub const TEXT_FILES: [&str; 5] =
    ["sms_spam.tsv", "sentiment_tweets.tsv", "sentiment_movies.tsv", "sentiment_amazon.tsv", "sentiment_nyt.tsv"];

/// All five text files of `dir/texts` concatenated (the data README's text task), or `None`
/// when the folder does not exist.
pub fn read_text_task(dir: &Path) -> Result<Option<(Vec<String>, Vec<f64>)>> {
    let folder = dir.join("texts");
    if !folder.is_dir() {
        return Ok(None);
    }
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for f in TEXT_FILES {
        let (t, l) = read_labelled_texts(&folder.join(f))?;
        texts.extend(t);
        labels.extend(l);
    }
    Ok(Some((texts, labels)))
}

/// A seeded split stratified by label: in each class, a seeded permutation's first
/// `round(test_fraction * class size)` rows are test rows. Returns (train rows, test rows), each
/// in ascending order.
pub fn stratified_split(labels: &[f64], test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut classes: Vec<f64> = labels.to_vec();
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    let mut is_test = vec![false; labels.len()];
    for c in classes {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        let n_test = (test_fraction * rows.len() as f64).round() as usize;
        for &p in rng.permutation(rows.len()).iter().take(n_test) {
            is_test[rows[p]] = true;
        }
    }
    let train = (0..labels.len()).filter(|&i| !is_test[i]).collect();
    let test = (0..labels.len()).filter(|&i| is_test[i]).collect();
    (train, test)
}

/// Writes `texts` and `labels` as one JSON object `{"texts": [...], "labels": [...]}` (exact for
/// any Unicode text, which a TSV is not).
pub fn write_texts_json(path: &Path, texts: &StringColumn, labels: &[f64]) -> Result<()> {
    let texts: Vec<serde_json::Value> =
        texts.iter().map(|t| t.map_or(serde_json::Value::Null, serde_json::Value::from)).collect();
    let v = serde_json::json!({ "texts": texts, "labels": labels });
    write_file(path, &serde_json::to_vec(&v).map_err(|e| Error::Io(e.to_string()))?)
}

/// Writes a table as CSV with a header; a missing value is an empty field, strings are quoted
/// when they hold a comma, a quote or a line break, floats use their shortest round-trip form.
pub fn write_csv(path: &Path, table: &Table) -> Result<()> {
    let file = fs::File::create(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    let mut w = BufWriter::new(file);
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    writeln!(w, "{}", table.names().join(",")).map_err(io)?;
    let mut line = String::new();
    for i in 0..table.n_rows() {
        line.clear();
        for (k, c) in table.columns().iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            if !c.is_valid(i) {
                continue;
            }
            match c {
                Column::Str(s) => {
                    let v = s.value(i);
                    if v.contains([',', '"', '\n', '\r']) {
                        let _ = write!(line, "\"{}\"", v.replace('"', "\"\""));
                    } else {
                        line.push_str(v);
                    }
                }
                Column::I64(x) => {
                    let _ = write!(line, "{}", x.values()[i]);
                }
                Column::F64(x) => {
                    let _ = write!(line, "{:?}", x.values()[i]);
                }
                Column::Bool(x) => line.push_str(if x.values()[i] { "1" } else { "0" }),
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes a dense row-major f64 matrix as raw little-endian bytes (`numpy.fromfile`).
pub fn write_f64s(path: &Path, values: &[f64]) -> Result<()> {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    write_file(path, &bytes)
}

/// Writes a JSON value.
pub fn write_json(path: &Path, v: &serde_json::Value) -> Result<()> {
    write_file(path, &serde_json::to_vec_pretty(v).map_err(|e| Error::Io(e.to_string()))?)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

/// A column of `table` as a string column, or an error naming `op`.
pub fn str_col<'a>(op: &str, table: &'a Table, name: &str) -> Result<&'a StringColumn> {
    table.column(op, name)?.as_str(op, name)
}

/// A column of `table` as an i64 column, or an error naming `op`.
pub fn i64_col<'a>(op: &str, table: &'a Table, name: &str) -> Result<&'a I64Column> {
    table.column(op, name)?.as_i64(op, name)
}

/// A column of `table` as an f64 column, or an error naming `op`.
pub fn f64_col<'a>(op: &str, table: &'a Table, name: &str) -> Result<&'a F64Column> {
    table.column(op, name)?.as_f64(op, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quotes_and_missing() {
        assert_eq!(split_csv_line(r#"a,"b,c","say ""hi""",,NA"#), ["a", "b,c", "say \"hi\"", "", "NA"]);
        let dir = std::env::temp_dir().join(format!("willump-workloads-csv-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.csv");
        fs::write(&p, "x,name,n\n1.5,\"a, b\",3\nNA,,NA\n").unwrap();
        let t = read_csv(&p, &[("n", ColumnType::I64), ("x", ColumnType::F64), ("name", ColumnType::Str)]).unwrap();
        assert_eq!(t.names(), ["n", "x", "name"]);
        let n = t.column("t", "n").unwrap().as_i64("t", "n").unwrap();
        assert_eq!(n.iter().collect::<Vec<_>>(), [Some(3), None]);
        let name = t.column("t", "name").unwrap().as_str("t", "name").unwrap();
        assert_eq!(name.iter().collect::<Vec<_>>(), [Some("a, b"), None]);
        // Round trip through the writer.
        let q = dir.join("u.csv");
        write_csv(&q, &t).unwrap();
        assert_eq!(fs::read_to_string(&q).unwrap(), "n,x,name\n3,1.5,\"a, b\"\n,,\n");
        fs::write(&p, "x\nabc\n").unwrap();
        let e = read_csv(&p, &[("x", ColumnType::F64)]).unwrap_err().to_string();
        assert!(e.contains("column `x`") && e.contains("line 2") && e.contains("not a number"), "{e}");
        let e = read_csv(&p, &[("y", ColumnType::F64)]).unwrap_err().to_string();
        assert!(e.contains("column `y`: not in the header"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stratified_split_keeps_class_shares() {
        let labels: Vec<f64> = (0..1000).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
        let (train, test) = stratified_split(&labels, 0.2, 7);
        assert_eq!(train.len() + test.len(), 1000);
        assert_eq!(test.len(), 200);
        assert_eq!(test.iter().filter(|&&i| labels[i] == 1.0).count(), 50);
        assert!(test.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(stratified_split(&labels, 0.2, 7), (train, test));
    }
}
