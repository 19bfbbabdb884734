//! The `flights` workload: will a flight arrive 15 minutes late or more? Left joins against side
//! tables and per-key history tables, plus a few numeric ops, into gradient-boosted trees.
//!
//! Exactly the data README's task (see [`tables`]): flights with a known `arr_delay`, a time
//! split (training months 1-10, test 11-12), only features known before departure. The
//! pipeline joins planes by `tailnum`, airports by `dest`, the weather at (`origin`,
//! `time_hour`), the calendar (day of week) by date, and four history tables
//! ([`TargetAggregate`]: the late rate smoothed toward the overall rate, and the number of
//! flights, per carrier, per route, per plane and per scheduled hour), fitted on the training
//! months only and out of fold for the training rows themselves. Every join keeps each flight
//! row exactly once, with a default (missing, or count 0 and the prior) for an unknown key.
//! The model is [`GbdtSpec::default`] (100 trees, 31 leaves, learning rate 0.1). Main metric:
//! ROC AUC.

mod fused;
pub mod generate;
pub mod tables;

use std::path::Path;

use ndarray::Array2;
use willump::ir::params::table::{Scalar, TargetAggregateParams};
use willump::ops::{ArithOp, LeftJoin, TargetAggregate, arith, arith_const, log1p, make_table, to_dense};
use willump::prelude::*;
use willump::runtime::models::{Gbdt, GbdtSpec};

pub use self::fused::FlightsFused;
use crate::{Dataset, Metric, Scorer, Source, Trained, Workload, class1, data};

/// The flights pipeline.
#[willump]
#[allow(clippy::too_many_arguments)]
pub fn flights_pipeline(
    #[row] year: &I64Column,
    #[row] month: &I64Column,
    #[row] day: &I64Column,
    #[row] hour: &I64Column,
    #[row] minute: &I64Column,
    #[row] distance: &F64Column,
    #[row] carrier: &StringColumn,
    #[row] tailnum: &StringColumn,
    #[row] origin: &StringColumn,
    #[row] dest: &StringColumn,
    #[row] time_hour: &StringColumn,
    calendar: &LeftJoin,
    planes: &LeftJoin,
    airports: &LeftJoin,
    weather: &LeftJoin,
    carrier_history: &TargetAggregate,
    route_history: &TargetAggregate,
    plane_history: &TargetAggregate,
    hour_history: &TargetAggregate,
    model: &Gbdt,
) -> willump::Result<Array2<f64>> {
    // One small key table per lookup, so that each feature group reads only its own keys.
    let dates = make_table(&["year", "month", "day"], &[year, month, day])?;
    let tails = make_table(&["tailnum"], &[tailnum])?;
    let dests = make_table(&["dest"], &[dest])?;
    let hours = make_table(&["origin", "time_hour"], &[origin, time_hour])?;
    let carriers = make_table(&["carrier"], &[carrier])?;
    let routes = make_table(&["origin", "dest"], &[origin, dest])?;
    let sched = make_table(&["hour"], &[hour])?;
    let day_of_week = calendar.transform(&dates, &["year", "month", "day"])?;
    let plane = planes.transform(&tails, &["tailnum"])?;
    let destination = airports.transform(&dests, &["dest"])?;
    let forecast = weather.transform(&hours, &["origin", "time_hour"])?;
    let by_carrier = carrier_history.transform(&carriers, &["carrier"])?;
    let by_route = route_history.transform(&routes, &["origin", "dest"])?;
    let by_plane = plane_history.transform(&tails, &["tailnum"])?;
    let by_hour = hour_history.transform(&sched, &["hour"])?;
    let hour_minutes = arith_const(hour, ArithOp::Mul, 60.0)?;
    let dep_minutes = arith(&hour_minutes, ArithOp::Add, minute)?;
    let log_distance = log1p(distance)?;
    let x = to_dense(&[
        day,
        hour,
        minute,
        &dep_minutes,
        &log_distance,
        &day_of_week,
        &plane,
        &destination,
        &forecast,
        &by_carrier,
        &by_route,
        &by_plane,
        &by_hour,
    ])?;
    model.predict_proba(x.view().into())
}

/// The model-input columns, in order.
///
/// `month` is a row input (a key of the calendar join) but not a model input: under the time
/// split the test months (11, 12) never occur in training, so every split on `month` can only
/// extrapolate from October. On the real data it costs test AUC (0.667 with it, 0.688 without,
/// for willump's trainer; LightGBM 0.682 and 0.688 on the same matrices), and the two trainers
/// extrapolate it differently; without it they agree to 0.001.
pub const FEATURES: &[&str] = &[
    "day",
    "hour",
    "minute",
    "dep_minutes",
    "log_distance",
    "day_of_week",
    "plane_year",
    "engines",
    "seats",
    "lat",
    "lon",
    "alt",
    "tz",
    "temp",
    "dewp",
    "humid",
    "wind_dir",
    "wind_speed",
    "wind_gust",
    "precip",
    "pressure",
    "visib",
    "carrier_flights",
    "carrier_late_rate",
    "route_flights",
    "route_late_rate",
    "plane_flights",
    "plane_late_rate",
    "hour_flights",
    "hour_late_rate",
];

/// The weight of the prior in the history tables' smoothed late rates, in flights.
pub const SMOOTHING: f64 = 20.0;
/// Folds of the out-of-fold history values of the training rows.
pub const N_FOLDS: usize = 5;
/// Seed of the fold assignment.
pub const FOLD_SEED: u64 = 7;

/// The four history tables: (name, key columns).
pub const HISTORIES: [(&str, &[&str]); 4] =
    [("carrier", &["carrier"]), ("route", &["origin", "dest"]), ("plane", &["tailnum"]), ("hour", &["hour"])];

/// Flights into joins, history tables and gradient-boosted trees.
pub struct FlightsWorkload;

impl Workload for FlightsWorkload {
    fn name(&self) -> &'static str {
        "flights"
    }

    fn description(&self) -> &'static str {
        "joins (planes, airports, weather, calendar) + 4 history tables + numeric ops -> GBDT (late arrival)"
    }

    fn metric(&self) -> Metric {
        Metric::RocAuc
    }

    fn input_names(&self) -> &'static [&'static str] {
        tables::INPUTS
    }

    fn generate(&self, seed: u64, rows: usize) -> Result<Dataset> {
        tables::dataset(generate::generate(seed, rows)?, Source::Generated { seed, rows })
    }

    fn load(&self, dir: &Path) -> Result<Option<Dataset>> {
        match tables::read(dir)? {
            Some(raw) => Ok(Some(tables::dataset(raw, Source::Real { dir: dir.to_path_buf() })?)),
            None => Ok(None),
        }
    }

    fn train(&self, d: &Dataset) -> Result<Box<dyn Trained>> {
        Ok(Box::new(FlightsModel::fit(d, &GbdtSpec::default())?))
    }
}

/// The fitted feature state of the flights pipeline: its side tables and history tables.
#[derive(Debug, Clone)]
pub struct FlightsState {
    /// Day of week by (year, month, day).
    pub calendar: LeftJoin,
    /// Plane year, engines, seats by tailnum.
    pub planes: LeftJoin,
    /// Destination latitude, longitude, altitude, time zone by code.
    pub airports: LeftJoin,
    /// Weather at the origin by (origin, time_hour).
    pub weather: LeftJoin,
    /// Per carrier, per route, per plane, per scheduled hour: flights and smoothed late rate.
    pub histories: [TargetAggregate; 4],
}

/// The fitted flights pipeline.
#[derive(Debug, Clone)]
pub struct FlightsModel {
    /// The joins and history tables.
    pub state: FlightsState,
    /// The classifier.
    pub model: Gbdt,
}

/// The row inputs as typed columns.
struct Rows<'a> {
    ints: [&'a I64Column; 5],
    distance: &'a F64Column,
    strs: [&'a StringColumn; 5],
}

impl<'a> Rows<'a> {
    fn new(inputs: &'a [Value]) -> Result<Rows<'a>> {
        const OP: &str = "flights";
        if inputs.len() != tables::INPUTS.len() {
            return Err(Error::op(OP, format!("takes {} row inputs, got {}", tables::INPUTS.len(), inputs.len())));
        }
        let col = |i: usize| crate::input_column(OP, inputs, i);
        let int = |i: usize| col(i)?.as_i64(OP, tables::INPUTS[i]);
        let s = |i: usize| col(i)?.as_str(OP, tables::INPUTS[i]);
        Ok(Rows {
            ints: [int(0)?, int(1)?, int(2)?, int(3)?, int(4)?],
            distance: col(5)?.as_f64(OP, "distance")?,
            strs: [s(6)?, s(7)?, s(8)?, s(9)?, s(10)?],
        })
    }

    fn keys(&self) -> Result<Table> {
        let [year, month, day, hour, _] = self.ints;
        let [carrier, tailnum, origin, dest, time_hour] = self.strs;
        make_table(
            &["year", "month", "day", "hour", "carrier", "tailnum", "origin", "dest", "time_hour"],
            &[year, month, day, hour, carrier, tailnum, origin, dest, time_hour],
        )
    }
}

fn history_params(name: &str, keys: &[&str]) -> TargetAggregateParams {
    TargetAggregateParams {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        target: "late".into(),
        smoothing: SMOOTHING,
        n_folds: N_FOLDS,
        seed: FOLD_SEED,
        count_name: format!("{name}_flights"),
        mean_name: format!("{name}_late_rate"),
    }
}

/// A side table with some columns renamed (`(from, to)`), the rest dropped.
fn renamed(op: &str, t: &Table, columns: &[(&str, &str)]) -> Result<Table> {
    Table::try_new(
        columns.iter().map(|(from, to)| Ok((to.to_string(), t.column(op, from)?.clone()))).collect::<Result<_>>()?,
    )
}

fn missing(names: &[&str]) -> Vec<(String, Scalar)> {
    names.iter().map(|n| (n.to_string(), Scalar::Missing)).collect()
}

fn join(side: &Table, keys: &[&str], values: &[&str]) -> Result<LeftJoin> {
    let v = missing(values);
    let refs: Vec<(&str, Scalar)> = v.iter().map(|(n, s)| (n.as_str(), s.clone())).collect();
    LeftJoin::fit(side, keys, &refs)
}

impl FlightsModel {
    /// Fits the joins, the history tables (on the training rows only) and the model (on the
    /// training rows' features, with out-of-fold history values).
    pub fn fit(d: &Dataset, spec: &GbdtSpec) -> Result<FlightsModel> {
        let (state, oof) = FlightsState::fit(d)?;
        let x = state.features(&d.train.inputs, Some(&oof))?;
        let model = spec.fit(x.view().into(), &d.train.labels)?;
        Ok(FlightsModel { state, model })
    }
}

impl FlightsState {
    /// Fits the joins and the history tables on `d`'s training rows; returns them and the
    /// history tables' out-of-fold values for those rows.
    pub fn fit(d: &Dataset) -> Result<(FlightsState, [Table; 4])> {
        const OP: &str = "flights.fit";
        let planes = renamed(
            OP,
            d.table(OP, "planes")?,
            &[("tailnum", "tailnum"), ("year", "plane_year"), ("engines", "engines"), ("seats", "seats")],
        )?;
        let (histories, oof) = fit_histories(d)?;
        let state = FlightsState {
            calendar: join(d.table(OP, "calendar")?, &["year", "month", "day"], &["day_of_week"])?,
            planes: join(&planes, &["tailnum"], &["plane_year", "engines", "seats"])?,
            airports: join(d.table(OP, "airports")?, &["faa"], &["lat", "lon", "alt", "tz"])?,
            weather: join(
                d.table(OP, "weather")?,
                &["origin", "time_hour"],
                &["temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib"],
            )?,
            histories,
        };
        Ok((state, oof))
    }

    /// The model input of `inputs`, computed with the same ops as [`flights_pipeline`]; with
    /// `history`, those tables stand in for the history lookups (the out-of-fold values of the
    /// training rows).
    pub fn features(&self, inputs: &[Value], history: Option<&[Table; 4]>) -> Result<Array2<f64>> {
        let r = Rows::new(inputs)?;
        let keys = r.keys()?;
        let [_, _, day, hour, minute] = r.ints;
        // The pipeline looks up per-lookup key tables with the same columns; a join reads only
        // its key columns, so one table of every key gives the same rows.
        let day_of_week = self.calendar.transform(&keys, &["year", "month", "day"])?;
        let plane = self.planes.transform(&keys, &["tailnum"])?;
        let destination = self.airports.transform(&keys, &["dest"])?;
        let forecast = self.weather.transform(&keys, &["origin", "time_hour"])?;
        let hist: Vec<Table> = match history {
            Some(h) => h.to_vec(),
            None => {
                self.histories.iter().zip(HISTORIES).map(|(a, (_, k))| a.transform(&keys, k)).collect::<Result<_>>()?
            }
        };
        let hour_minutes = arith_const(hour, ArithOp::Mul, 60.0)?;
        let dep_minutes = arith(&hour_minutes, ArithOp::Add, minute)?;
        let log_distance = log1p(r.distance)?;
        to_dense(&[
            day,
            hour,
            minute,
            &dep_minutes,
            &log_distance,
            &day_of_week,
            &plane,
            &destination,
            &forecast,
            &hist[0],
            &hist[1],
            &hist[2],
            &hist[3],
        ])
    }
}

/// The four history tables fitted on the training rows, and their out-of-fold values for those
/// rows.
fn fit_histories(d: &Dataset) -> Result<([TargetAggregate; 4], [Table; 4])> {
    let rows = Rows::new(&d.train.inputs)?;
    let mut keys = rows.keys()?;
    keys.push("late", Column::F64(F64Column::new(d.train.labels.clone())))?;
    let mut fitted = Vec::new();
    let mut oof = Vec::new();
    for (name, k) in HISTORIES {
        let (agg, t) = TargetAggregate::fit_out_of_fold(&keys, &history_params(name, k))?;
        fitted.push(agg);
        oof.push(t);
    }
    let fitted: [TargetAggregate; 4] = fitted.try_into().map_err(|_| Error::op("flights", "four histories"))?;
    let oof: [Table; 4] = oof.try_into().map_err(|_| Error::op("flights", "four histories"))?;
    Ok((fitted, oof))
}

impl Trained for FlightsModel {
    fn eager(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let r = Rows::new(inputs)?;
        let [year, month, day, hour, minute] = r.ints;
        let [carrier, tailnum, origin, dest, time_hour] = r.strs;
        let st = &self.state;
        let [h0, h1, h2, h3] = &st.histories;
        class1(&flights_pipeline(
            year,
            month,
            day,
            hour,
            minute,
            r.distance,
            carrier,
            tailnum,
            origin,
            dest,
            time_hour,
            &st.calendar,
            &st.planes,
            &st.airports,
            &st.weather,
            h0,
            h1,
            h2,
            h3,
            &self.model,
        )?)
    }

    fn graph(&self) -> Result<Pipeline> {
        let st = &self.state;
        let [h0, h1, h2, h3] = &st.histories;
        flights_pipeline_graph(&st.calendar, &st.planes, &st.airports, &st.weather, h0, h1, h2, h3, &self.model)
    }

    fn hand_fused(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(FlightsFused::new(self)?))
    }

    fn export(&self, d: &Dataset, dir: &Path) -> Result<()> {
        let split_table = |s: &crate::Split| -> Result<Table> {
            let mut cols: Vec<(String, Column)> = Vec::new();
            for (i, name) in tables::INPUTS.iter().enumerate() {
                cols.push((name.to_string(), s.column("flights.export", i)?.clone()));
            }
            cols.push(("late".into(), Column::F64(F64Column::new(s.labels.clone()))));
            Table::try_new(cols)
        };
        data::write_csv(&dir.join("train.csv"), &split_table(&d.train)?)?;
        data::write_csv(&dir.join("test.csv"), &split_table(&d.test)?)?;
        let st = &self.state;
        for (name, j) in
            [("calendar", &st.calendar), ("planes", &st.planes), ("airports", &st.airports), ("weather", &st.weather)]
        {
            data::write_csv(&dir.join(format!("{name}.csv")), &j.side_table()?)?;
        }
        let (_, oof) = fit_histories(d)?;
        let train_x = st.features(&d.train.inputs, Some(&oof))?;
        let test_x = st.features(&d.test.inputs, None)?;
        data::write_f64s(
            &dir.join("train_x.f64"),
            train_x.as_slice().unwrap_or(&train_x.iter().copied().collect::<Vec<_>>()),
        )?;
        data::write_f64s(
            &dir.join("test_x.f64"),
            test_x.as_slice().unwrap_or(&test_x.iter().copied().collect::<Vec<_>>()),
        )?;
        data::write_json(
            &dir.join("params.json"),
            &serde_json::json!({
                "workload": "flights",
                "features": FEATURES,
                "train_rows": train_x.nrows(),
                "test_rows": test_x.nrows(),
                "histories": HISTORIES.iter().map(|(n, k)| serde_json::json!({"name": n, "keys": k})).collect::<Vec<_>>(),
                "smoothing": SMOOTHING,
                "gbdt": {"n_trees": 100, "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20, "max_bin": 255},
            }),
        )
    }
}
