//! Inputs of the numeric and table benchmarks: the real nycflights13 tables under
//! `$WILLUMP_DATA/flights` (default `../shared/data` beside the workspace) when present, seeded
//! generated tables of the same shape otherwise.

use std::path::PathBuf;

use willump::ir::params::table::Scalar;
use willump::runtime::rng::Rng;
use willump::runtime::value::{Column, ColumnType, F64Column, I64Column, StringColumn, Table};

/// The three tables of the join workloads.
pub struct FlightsData {
    /// One row per flight (probe side).
    pub flights: Table,
    /// One row per plane, key `tailnum`.
    pub planes: Table,
    /// One row per (origin, time_hour).
    pub weather: Table,
    /// Where the tables came from (a path, or "generated").
    pub source: String,
}

/// The flights columns the benchmarks use, with their types.
pub const FLIGHTS_COLUMNS: &[(&str, ColumnType)] = &[
    ("month", ColumnType::I64),
    ("sched_dep_time", ColumnType::I64),
    ("arr_delay", ColumnType::F64),
    ("air_time", ColumnType::F64),
    ("distance", ColumnType::F64),
    ("hour", ColumnType::I64),
    ("carrier", ColumnType::Str),
    ("tailnum", ColumnType::Str),
    ("origin", ColumnType::Str),
    ("dest", ColumnType::Str),
    ("time_hour", ColumnType::Str),
];

/// The planes columns the joins look up.
pub const PLANES_VALUES: &[&str] = &["year", "engines", "seats", "manufacturer"];
/// The weather columns the joins look up.
pub const WEATHER_VALUES: &[&str] = &["temp", "dewp", "humid", "wind_speed", "precip", "pressure", "visib"];

const PLANES_COLUMNS: &[(&str, ColumnType)] = &[
    ("tailnum", ColumnType::Str),
    ("year", ColumnType::I64),
    ("engines", ColumnType::I64),
    ("seats", ColumnType::I64),
    ("manufacturer", ColumnType::Str),
];

const WEATHER_COLUMNS: &[(&str, ColumnType)] = &[
    ("origin", ColumnType::Str),
    ("time_hour", ColumnType::Str),
    ("temp", ColumnType::F64),
    ("dewp", ColumnType::F64),
    ("humid", ColumnType::F64),
    ("wind_speed", ColumnType::F64),
    ("precip", ColumnType::F64),
    ("pressure", ColumnType::F64),
    ("visib", ColumnType::F64),
];

/// Loads the real tables, or generates them when the data folder is absent.
pub fn load() -> FlightsData {
    let dir = std::env::var_os("WILLUMP_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
        .join("flights");
    if dir.join("flights.csv").exists() {
        let read = |f: &str, cols| read_csv(&dir.join(f), cols).unwrap_or_else(|e| panic!("{f}: {e}"));
        return FlightsData {
            flights: read("flights.csv", FLIGHTS_COLUMNS),
            planes: read("planes.csv", PLANES_COLUMNS),
            weather: read("weather.csv", WEATHER_COLUMNS),
            source: dir.display().to_string(),
        };
    }
    generate(336_776)
}

/// Defaults for looking up `names` (missing for every column).
pub fn missing_defaults<'a>(names: &[&'a str]) -> Vec<(&'a str, Scalar)> {
    names.iter().map(|&n| (n, Scalar::Missing)).collect()
}

/// Reads the named columns of a comma-separated file with a header (no quoting; `NA` = missing).
pub fn read_csv(path: &std::path::Path, columns: &[(&str, ColumnType)]) -> Result<Table, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let pos: Vec<usize> = columns
        .iter()
        .map(|(n, _)| header.iter().position(|h| h == n).ok_or(format!("no column {n}")))
        .collect::<Result<_, _>>()?;
    let mut cells: Vec<Vec<Option<&str>>> = vec![Vec::new(); columns.len()];
    let mut fields = Vec::with_capacity(header.len());
    for (ln, line) in lines.enumerate() {
        fields.clear();
        fields.extend(line.split(','));
        if fields.len() != header.len() {
            return Err(format!("line {}: {} fields, header has {}", ln + 2, fields.len(), header.len()));
        }
        for (k, &p) in pos.iter().enumerate() {
            cells[k].push(Some(fields[p]).filter(|&v| v != "NA"));
        }
    }
    let mut out = Vec::with_capacity(columns.len());
    for ((name, ty), vals) in columns.iter().zip(cells) {
        let col = match ty {
            ColumnType::Str => Column::Str(StringColumn::from_options(&vals)),
            ColumnType::F64 => Column::F64(F64Column::from_options(
                &vals
                    .iter()
                    .map(|v| v.map(|s| s.parse::<f64>().map_err(|e| format!("{name}: {s}: {e}"))))
                    .map(Option::transpose)
                    .collect::<Result<Vec<_>, _>>()?,
            )),
            ColumnType::I64 => Column::I64(I64Column::from_options(
                &vals
                    .iter()
                    .map(|v| v.map(|s| s.parse::<i64>().map_err(|e| format!("{name}: {s}: {e}"))))
                    .map(Option::transpose)
                    .collect::<Result<Vec<_>, _>>()?,
            )),
            ColumnType::Bool => return Err("bool columns are not read".into()),
        };
        out.push((name.to_string(), col));
    }
    Table::try_new(out).map_err(|e| e.to_string())
}

/// Seeded tables shaped like nycflights13: 3,322 planes, 26,115 weather rows, `n` flights whose
/// tail numbers miss the planes table 16% of the time and whose (origin, hour) miss the weather
/// 0.5% of the time.
pub fn generate(n: usize) -> FlightsData {
    let mut rng = Rng::new(2013);
    let origins = ["EWR", "JFK", "LGA"];
    let hour_key = |h: u64| format!("2013-{:02}-{:02}T{:02}:00:00Z", 1 + h / 720 % 12, 1 + h / 24 % 30, h % 24);
    let n_hours = 26_115 / 3 + 1;
    let mut w: (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let mut wv: Vec<Vec<f64>> = vec![Vec::new(); WEATHER_VALUES.len()];
    'outer: for h in 0..n_hours as u64 {
        for o in origins {
            if w.0.len() == 26_115 {
                break 'outer;
            }
            w.0.push(o.to_string());
            w.1.push(hour_key(h));
            for v in wv.iter_mut() {
                v.push(rng.normal() * 10.0 + 50.0);
            }
        }
    }
    let mut weather = vec![
        ("origin".to_string(), Column::Str(StringColumn::from_strs(&w.0))),
        ("time_hour".to_string(), Column::Str(StringColumn::from_strs(&w.1))),
    ];
    for (name, v) in WEATHER_VALUES.iter().zip(wv) {
        weather.push((name.to_string(), Column::F64(F64Column::from(v))));
    }
    let tails: Vec<String> = (0..3_322).map(|i| format!("N{:05}", i * 7 + 11)).collect();
    let makers = ["EMBRAER", "AIRBUS", "BOEING", "BOMBARDIER INC", "MCDONNELL DOUGLAS"];
    let planes = vec![
        ("tailnum".to_string(), Column::Str(StringColumn::from_strs(&tails))),
        ("year".to_string(), Column::I64((0..3_322).map(|_| 1960 + rng.below(55) as i64).collect::<Vec<_>>().into())),
        ("engines".to_string(), Column::I64((0..3_322).map(|_| 1 + rng.below(3) as i64).collect::<Vec<_>>().into())),
        ("seats".to_string(), Column::I64((0..3_322).map(|_| 20 + rng.below(400) as i64).collect::<Vec<_>>().into())),
        (
            "manufacturer".to_string(),
            Column::Str(StringColumn::from_strs(
                &(0..3_322).map(|_| makers[rng.below(5) as usize]).collect::<Vec<_>>(),
            )),
        ),
    ];
    let carriers = ["UA", "AA", "B6", "DL", "EV", "MQ", "US", "WN", "VX", "FL", "AS", "9E", "F9", "HA", "YV", "OO"];
    let dests: Vec<String> = (0..105).map(|i| format!("D{i:02}")).collect();
    let mut f = FlightCols::default();
    for _ in 0..n {
        let h = rng.below(n_hours as u64);
        let o = rng.below(3) as usize;
        f.month.push(Some(1 + (h / 720 % 12) as i64));
        let hour = (5 + rng.below(19)) as i64;
        f.hour.push(Some(hour));
        f.sched.push(Some(hour * 100 + rng.below(60) as i64));
        f.delay.push(if rng.below(36) == 0 { None } else { Some(rng.normal() * 40.0) });
        f.air.push(if rng.below(36) == 0 { None } else { Some(20.0 + rng.below(600) as f64) });
        f.dist.push(Some(80.0 + rng.below(4900) as f64));
        f.carrier.push(Some(carriers[rng.below(16) as usize].to_string()));
        f.tail.push(if rng.below(100) < 16 {
            Some(format!("X{}", rng.below(4000)))
        } else {
            Some(tails[rng.below(3_322) as usize].clone())
        });
        f.origin.push(Some(origins[o].to_string()));
        f.dest.push(Some(dests[rng.below(105) as usize].clone()));
        f.time_hour.push(Some(if rng.below(200) == 0 { "2014-01-01T00:00:00Z".to_string() } else { hour_key(h) }));
    }
    let flights = vec![
        ("month", Column::I64(I64Column::from_options(&f.month))),
        ("sched_dep_time", Column::I64(I64Column::from_options(&f.sched))),
        ("arr_delay", Column::F64(F64Column::from_options(&f.delay))),
        ("air_time", Column::F64(F64Column::from_options(&f.air))),
        ("distance", Column::F64(F64Column::from_options(&f.dist))),
        ("hour", Column::I64(I64Column::from_options(&f.hour))),
        ("carrier", Column::Str(StringColumn::from_options(&f.carrier))),
        ("tailnum", Column::Str(StringColumn::from_options(&f.tail))),
        ("origin", Column::Str(StringColumn::from_options(&f.origin))),
        ("dest", Column::Str(StringColumn::from_options(&f.dest))),
        ("time_hour", Column::Str(StringColumn::from_options(&f.time_hour))),
    ];
    FlightsData {
        flights: Table::try_new(flights.into_iter().map(|(n, c)| (n.to_string(), c)).collect()).unwrap(),
        planes: Table::try_new(planes).unwrap(),
        weather: Table::try_new(weather).unwrap(),
        source: "generated (seed 2013)".into(),
    }
}

#[derive(Default)]
struct FlightCols {
    month: Vec<Option<i64>>,
    hour: Vec<Option<i64>>,
    sched: Vec<Option<i64>>,
    delay: Vec<Option<f64>>,
    air: Vec<Option<f64>>,
    dist: Vec<Option<f64>>,
    carrier: Vec<Option<String>>,
    tail: Vec<Option<String>>,
    origin: Vec<Option<String>>,
    dest: Vec<Option<String>>,
    time_hour: Vec<Option<String>>,
}
