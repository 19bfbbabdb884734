//! Throughput (rows/s) of the eager table operators on the nycflights13 tables (or seeded tables
//! of the same shape): left joins on a single string key (planes by `tailnum`) and a composite
//! key (weather by `origin`, `time_hour`), index building, per-key target aggregates, and
//! stacking a dense and a sparse block.
//!
//! `cargo bench --bench table_ops` (set `WILLUMP_DATA` to the data folder, default
//! `../shared/data`). The pandas / scikit-learn side of the same measurements is
//! `benches/python/table_ops_pandas.py`.

mod table_data;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use willump::ir::params::numeric::OneHotParams;
use willump::ir::params::table::{StackOutput, TargetAggregateParams};
use willump::runtime::ops::numeric::{OneHotEncoder, table_to_dense};
use willump::runtime::ops::stack::stack;
use willump::runtime::ops::table::{LeftJoin, TargetAggregate, select};
use willump::runtime::value::MatrixRef;

fn joins(c: &mut Criterion) {
    let data = table_data::load();
    eprintln!("table_ops: data from {}", data.source);
    let n = data.flights.n_rows();
    let mut g = c.benchmark_group("join");
    g.throughput(Throughput::Elements(n as u64));
    let planes =
        LeftJoin::fit(&data.planes, &["tailnum"], &table_data::missing_defaults(table_data::PLANES_VALUES)).unwrap();
    g.bench_function(BenchmarkId::new("planes_tailnum_4cols", n), |b| {
        b.iter(|| black_box(planes.transform(&data.flights, &["tailnum"]).unwrap()))
    });
    let weather = LeftJoin::fit(
        &data.weather,
        &["origin", "time_hour"],
        &table_data::missing_defaults(table_data::WEATHER_VALUES),
    )
    .unwrap();
    g.bench_function(BenchmarkId::new("weather_origin_time_hour_7cols", n), |b| {
        b.iter(|| black_box(weather.transform(&data.flights, &["origin", "time_hour"]).unwrap()))
    });
    g.finish();

    // Scaling: the same single-key join on 1M seeded rows shaped like the flights.
    let big = table_data::generate(1_000_000);
    let big_planes =
        LeftJoin::fit(&big.planes, &["tailnum"], &table_data::missing_defaults(table_data::PLANES_VALUES)).unwrap();
    let mut g = c.benchmark_group("join_generated");
    g.throughput(Throughput::Elements(big.flights.n_rows() as u64));
    g.bench_function(BenchmarkId::new("planes_tailnum_4cols", big.flights.n_rows()), |b| {
        b.iter(|| black_box(big_planes.transform(&big.flights, &["tailnum"]).unwrap()))
    });
    g.finish();

    let mut g = c.benchmark_group("join_fit");
    g.throughput(Throughput::Elements(data.weather.n_rows() as u64));
    g.bench_function(BenchmarkId::new("weather_index", data.weather.n_rows()), |b| {
        b.iter(|| {
            black_box(
                LeftJoin::fit(
                    &data.weather,
                    &["origin", "time_hour"],
                    &table_data::missing_defaults(table_data::WEATHER_VALUES),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

fn aggregates(c: &mut Criterion) {
    let data = table_data::load();
    let n = data.flights.n_rows();
    let params = TargetAggregateParams {
        keys: vec!["carrier".into(), "dest".into()],
        target: "arr_delay".into(),
        smoothing: 20.0,
        n_folds: 5,
        seed: 1,
        count_name: "route_n".into(),
        mean_name: "route_delay".into(),
    };
    let mut g = c.benchmark_group("aggregate_route");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("fit", n), |b| {
        b.iter(|| black_box(TargetAggregate::fit(&data.flights, &params).unwrap()))
    });
    g.bench_function(BenchmarkId::new("fit_out_of_fold", n), |b| {
        b.iter(|| black_box(TargetAggregate::fit_out_of_fold(&data.flights, &params).unwrap()))
    });
    let agg = TargetAggregate::fit(&data.flights, &params).unwrap();
    g.bench_function(BenchmarkId::new("transform", n), |b| {
        b.iter(|| black_box(agg.transform(&data.flights, &["carrier", "dest"]).unwrap()))
    });
    g.finish();
}

fn stacking(c: &mut Criterion) {
    let data = table_data::load();
    let n = data.flights.n_rows();
    let dense =
        table_to_dense(&data.flights, Some(&["month", "sched_dep_time", "distance", "hour", "air_time"])).unwrap();
    let enc = OneHotEncoder::fit(&OneHotParams::default(), data.flights.column("b", "dest").unwrap(), "dest").unwrap();
    let onehot = enc.transform(data.flights.column("b", "dest").unwrap(), "dest").unwrap();
    let mut g = c.benchmark_group("stack");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("dense5_plus_onehot_dest_to_sparse", n), |b| {
        b.iter(|| {
            black_box(
                stack(&[("num", MatrixRef::from(&dense)), ("dest", (&onehot).into())], StackOutput::Auto).unwrap(),
            )
        })
    });
    g.bench_function(BenchmarkId::new("dense5_plus_onehot_dest_to_dense", n), |b| {
        b.iter(|| {
            black_box(
                stack(&[("num", MatrixRef::from(&dense)), ("dest", (&onehot).into())], StackOutput::Dense).unwrap(),
            )
        })
    });
    g.finish();
    let mut g = c.benchmark_group("select");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("3_of_11_columns", n), |b| {
        b.iter(|| black_box(select(&data.flights, &["tailnum", "distance", "dest"]).unwrap()))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = joins, aggregates, stacking }
criterion_main!(benches);
