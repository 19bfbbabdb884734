//! The harness's command line.

use std::path::PathBuf;

/// What to run and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Workloads to run, in order (every workload for `all`).
    pub workloads: Vec<String>,
    /// The real data directory (`--data`); generated data when `None`.
    pub data: Option<PathBuf>,
    /// Rows to generate per workload (`--rows`; each workload's default when `None`). Ignored for
    /// workloads read from `--data`.
    pub rows: Option<usize>,
    /// The thread count of the multi-threaded rows (`--threads`; default: all cores).
    pub threads: usize,
    /// Fewer repeats and smaller generated data (`--quick`).
    pub quick: bool,
    /// Where to write the JSON results (`--json`).
    pub json: Option<PathBuf>,
    /// The Python interpreter of the side-by-side baseline (`--python`).
    pub python: Option<PathBuf>,
    /// Seed of the generated data (`--seed`).
    pub seed: u64,
}

/// The usage text.
pub const USAGE: &str = "\
usage: cargo bench --bench workloads -- [WORKLOAD[,WORKLOAD..]|all] [options]

workloads: text, product, flights, stacked, or all (the default)
options:
  --data DIR       real data (the folder holding texts/ and flights/, e.g. ../shared/data);
                   workloads without real data are generated
  --rows N         rows to generate per workload (default: each workload's own size)
  --threads T      thread count of the multi-threaded rows (default: all cores)
  --quick          fewer repeats and smaller generated data (all workloads in under 3 minutes)
  --json PATH      also write the results as JSON
  --python PATH    add the `python` column: the Python interpreter of an environment with
                   benches/python/requirements.txt installed (e.g. /work/venv/bin/python)
  --seed S         seed of the generated data (default 1)
";

/// Parses the arguments after the program name. `--bench` (which cargo passes) is ignored.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let default_threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut o = Options {
        workloads: Vec::new(),
        data: None,
        rows: None,
        threads: default_threads,
        quick: false,
        json: None,
        python: None,
        seed: 1,
    };
    let names: Vec<&str> = crate::all().iter().map(|w| w.name()).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"));
        match a.as_str() {
            "--bench" => {}
            "--quick" => o.quick = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            "--data" => o.data = Some(PathBuf::from(value("--data")?)),
            "--json" => o.json = Some(PathBuf::from(value("--json")?)),
            "--python" => o.python = Some(PathBuf::from(value("--python")?)),
            "--rows" => o.rows = Some(number("--rows", &value("--rows")?)?),
            "--threads" => o.threads = number("--threads", &value("--threads")?)?,
            "--seed" => o.seed = number("--seed", &value("--seed")?)? as u64,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`\n\n{USAGE}")),
            list => {
                for name in list.split(',') {
                    if name == "all" {
                        o.workloads.extend(names.iter().map(|n| n.to_string()));
                    } else if names.contains(&name) {
                        o.workloads.push(name.to_string());
                    } else {
                        return Err(format!("unknown workload `{name}` (known: {}, all)\n\n{USAGE}", names.join(", ")));
                    }
                }
            }
        }
    }
    if o.workloads.is_empty() {
        o.workloads = names.iter().map(|n| n.to_string()).collect();
    }
    let mut seen = Vec::new();
    o.workloads.retain(|w| {
        let first = !seen.contains(w);
        seen.push(w.clone());
        first
    });
    if o.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    if o.rows == Some(0) {
        return Err("--rows must be at least 1".into());
    }
    Ok(o)
}

fn number(flag: &str, v: &str) -> Result<usize, String> {
    v.parse().map_err(|_| format!("{flag}: `{v}` is not a non-negative integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_documented_forms() {
        let o = parse(&args("text --bench --quick --rows 500 --threads 3 --json out.json --data ../d")).unwrap();
        assert_eq!(o.workloads, ["text"]);
        assert!(o.quick);
        assert_eq!((o.rows, o.threads), (Some(500), 3));
        assert_eq!(o.json, Some(PathBuf::from("out.json")));
        assert_eq!(o.data, Some(PathBuf::from("../d")));
        let all = parse(&args("all")).unwrap();
        assert_eq!(all.workloads, ["text", "product", "flights", "stacked"]);
        assert_eq!(parse(&args("--bench")).unwrap().workloads, all.workloads);
        assert_eq!(parse(&args("flights,text,flights")).unwrap().workloads, ["flights", "text"]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&args("nope")).unwrap_err().contains("unknown workload `nope`"));
        assert!(parse(&args("--rows")).unwrap_err().contains("--rows needs a value"));
        assert!(parse(&args("--rows x")).unwrap_err().contains("not a non-negative integer"));
        assert!(parse(&args("--threads 0")).unwrap_err().contains("at least 1"));
        assert!(parse(&args("--frobnicate")).unwrap_err().contains("unknown option"));
    }
}
