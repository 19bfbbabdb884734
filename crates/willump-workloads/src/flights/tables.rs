//! The flights task's tables: reading nycflights13 from `flights/`, and turning the five tables
//! (real or generated) into the dataset the data README defines.
//!
//! - rows: flights with a known `arr_delay`; label 1 when `arr_delay >= 15`;
//! - split by time: training = months 1 to 10, test = months 11 and 12;
//! - row inputs: only what is known before departure (`dep_time`, `dep_delay`, `arr_time` and
//!   `air_time` are never read);
//! - side tables: planes (by `tailnum`), airports (by `faa` = `dest`), weather (by `origin`,
//!   `time_hour`), as read; the calendar (day of week of every date of the data's years) is made
//!   here.

use std::path::Path;

use willump::runtime::value::{Column, ColumnType, I64Column, Table};

use crate::data::{f64_col, i64_col, read_csv};
use crate::{Dataset, Error, Result, Source, Split};

/// The flights columns the task reads (the row inputs and the label's source), in CSV order.
pub const FLIGHT_COLUMNS: &[(&str, ColumnType)] = &[
    ("year", ColumnType::I64),
    ("month", ColumnType::I64),
    ("day", ColumnType::I64),
    ("arr_delay", ColumnType::F64),
    ("carrier", ColumnType::Str),
    ("tailnum", ColumnType::Str),
    ("origin", ColumnType::Str),
    ("dest", ColumnType::Str),
    ("distance", ColumnType::F64),
    ("hour", ColumnType::I64),
    ("minute", ColumnType::I64),
    ("time_hour", ColumnType::Str),
];

/// The pipeline's row inputs, in parameter order.
pub const INPUTS: &[&str] =
    &["year", "month", "day", "hour", "minute", "distance", "carrier", "tailnum", "origin", "dest", "time_hour"];

/// The planes columns (the key and the looked-up values).
pub const PLANE_COLUMNS: &[(&str, ColumnType)] = &[
    ("tailnum", ColumnType::Str),
    ("year", ColumnType::I64),
    ("engines", ColumnType::I64),
    ("seats", ColumnType::I64),
];

/// The airports columns.
pub const AIRPORT_COLUMNS: &[(&str, ColumnType)] = &[
    ("faa", ColumnType::Str),
    ("lat", ColumnType::F64),
    ("lon", ColumnType::F64),
    ("alt", ColumnType::F64),
    ("tz", ColumnType::F64),
];

/// The weather columns.
pub const WEATHER_COLUMNS: &[(&str, ColumnType)] = &[
    ("origin", ColumnType::Str),
    ("time_hour", ColumnType::Str),
    ("temp", ColumnType::F64),
    ("dewp", ColumnType::F64),
    ("humid", ColumnType::F64),
    ("wind_dir", ColumnType::F64),
    ("wind_speed", ColumnType::F64),
    ("wind_gust", ColumnType::F64),
    ("precip", ColumnType::F64),
    ("pressure", ColumnType::F64),
    ("visib", ColumnType::F64),
];

/// The four raw tables of the task.
pub struct RawTables {
    /// One row per flight (all of them, cancelled ones included).
    pub flights: Table,
    /// One row per plane.
    pub planes: Table,
    /// One row per airport.
    pub airports: Table,
    /// One row per (origin, hour).
    pub weather: Table,
}

/// Reads the four tables from `dir/flights`, or `None` when the folder does not exist.
pub fn read(dir: &Path) -> Result<Option<RawTables>> {
    let f = dir.join("flights");
    if !f.is_dir() {
        return Ok(None);
    }
    Ok(Some(RawTables {
        flights: read_csv(&f.join("flights.csv"), FLIGHT_COLUMNS)?,
        planes: read_csv(&f.join("planes.csv"), PLANE_COLUMNS)?,
        airports: read_csv(&f.join("airports.csv"), AIRPORT_COLUMNS)?,
        weather: read_csv(&f.join("weather.csv"), WEATHER_COLUMNS)?,
    }))
}

/// The last training month (months after it are test rows).
pub const LAST_TRAIN_MONTH: i64 = 10;

/// The dataset of the flights task from its raw tables.
pub fn dataset(raw: RawTables, source: Source) -> Result<Dataset> {
    const OP: &str = "flights.dataset";
    let f = &raw.flights;
    let delay = f64_col(OP, f, "arr_delay")?;
    let month = i64_col(OP, f, "month")?;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in 0..f.n_rows() {
        if delay.get(i).is_none_or(f64::is_nan) {
            continue;
        }
        match month.get(i) {
            Some(m) if m <= LAST_TRAIN_MONTH => train.push(i),
            Some(_) => test.push(i),
            None => return Err(Error::invalid(OP, "month", format!("row {i} has no month"))),
        }
    }
    let split = |rows: &[usize]| -> Result<Split> {
        let inputs = INPUTS.iter().map(|c| f.column(OP, c)?.take(rows)).collect::<Result<Vec<_>>>()?;
        let labels = rows.iter().map(|&i| if delay.values()[i] >= 15.0 { 1.0 } else { 0.0 }).collect();
        Split::new(inputs, labels)
    };
    let (train, test) = (split(&train)?, split(&test)?);
    let years = i64_col(OP, f, "year")?;
    let (lo, hi) = years.iter().flatten().fold((i64::MAX, i64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let calendar = if lo <= hi { calendar(lo, hi)? } else { calendar(2013, 2013)? };
    Ok(Dataset {
        source,
        train,
        test,
        tables: vec![
            ("planes".into(), raw.planes),
            ("airports".into(), raw.airports),
            ("weather".into(), raw.weather),
            ("calendar".into(), calendar),
        ],
    })
}

/// Day of week (0 = Monday .. 6 = Sunday) of a proleptic Gregorian date.
pub fn day_of_week(year: i64, month: i64, day: i64) -> i64 {
    // Days since 1970-01-01 (a Thursday), by the civil-from-days inverse (Hinnant).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days + 3).rem_euclid(7)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The calendar side table: `year`, `month`, `day` and `day_of_week` of every date of the years
/// `first..=last`.
pub fn calendar(first: i64, last: i64) -> Result<Table> {
    let (mut y, mut m, mut d, mut w) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for year in first..=last {
        for month in 1..=12 {
            for day in 1..=days_in_month(year, month) {
                y.push(year);
                m.push(month);
                d.push(day);
                w.push(day_of_week(year, month, day));
            }
        }
    }
    Table::try_new(vec![
        ("year".into(), Column::I64(I64Column::new(y))),
        ("month".into(), Column::I64(I64Column::new(m))),
        ("day".into(), Column::I64(I64Column::new(d))),
        ("day_of_week".into(), Column::I64(I64Column::new(w))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_of_week() {
        assert_eq!(day_of_week(1970, 1, 1), 3); // Thursday
        assert_eq!(day_of_week(2013, 1, 1), 1); // Tuesday
        assert_eq!(day_of_week(2013, 12, 25), 2); // Wednesday
        assert_eq!(day_of_week(2000, 2, 29), 1); // Tuesday
        let c = calendar(2012, 2013).unwrap();
        assert_eq!(c.n_rows(), 366 + 365);
    }
}
