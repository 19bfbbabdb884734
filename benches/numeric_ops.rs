//! Throughput (rows/s) of the eager numeric operators on columns of the nycflights13 flights
//! table (336,776 rows; or seeded columns of the same shape): arithmetic, log1p, clip, fill,
//! bucketize, one-hot fit and transform, and conversion to a dense block.
//!
//! `cargo bench --bench numeric_ops` (set `WILLUMP_DATA` to the data folder, default
//! `../shared/data`). The numpy / scikit-learn side is `benches/python/table_ops_pandas.py`.

// Shared with the table_ops bench, which uses the side tables this one does not.
#[allow(dead_code)]
mod table_data;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use willump::ir::params::numeric::{
    ArithOp, BucketRule, BucketizeParams, ClipParams, ConstArithParams, ConstSide, FillMissingParams, OneHotParams,
};
use willump::ir::params::table::Scalar;
use willump::runtime::ops::numeric::{
    OneHotEncoder, arith, arith_const, bucketize, clip, fill_missing, log1p, table_to_dense,
};

fn numeric(c: &mut Criterion) {
    let data = table_data::load();
    eprintln!("numeric_ops: data from {}", data.source);
    let t = &data.flights;
    let n = t.n_rows();
    let col = |name: &str| t.column("bench", name).unwrap();
    let (distance, air_time, delay, sched) =
        (col("distance"), col("air_time"), col("arr_delay"), col("sched_dep_time"));
    let mut g = c.benchmark_group("numeric");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("div_distance_air_time", n), |b| {
        b.iter(|| black_box(arith(ArithOp::Div, distance, "distance", air_time, "air_time").unwrap()))
    });
    let scale = ConstArithParams { op: ArithOp::Mul, constant: 1.609, side: ConstSide::Right };
    g.bench_function(BenchmarkId::new("mul_const_distance", n), |b| {
        b.iter(|| black_box(arith_const(&scale, distance, "distance").unwrap()))
    });
    g.bench_function(BenchmarkId::new("log1p_distance", n), |b| {
        b.iter(|| black_box(log1p(distance, "distance").unwrap()))
    });
    let bounds = ClipParams { lo: Some(-60.0), hi: Some(180.0) };
    g.bench_function(BenchmarkId::new("clip_arr_delay", n), |b| {
        b.iter(|| black_box(clip(&bounds, delay, "arr_delay").unwrap()))
    });
    let fill = FillMissingParams { value: Scalar::F64(0.0), fill_nan: true };
    g.bench_function(BenchmarkId::new("fill_missing_arr_delay", n), |b| {
        b.iter(|| black_box(fill_missing(&fill, delay, "arr_delay").unwrap()))
    });
    let hours =
        BucketizeParams { boundaries: (1..24).map(|h| (h * 100) as f64).collect(), rule: BucketRule::LeftClosed };
    g.bench_function(BenchmarkId::new("bucketize_sched_dep_time_23", n), |b| {
        b.iter(|| black_box(bucketize(&hours, sched, "sched_dep_time").unwrap()))
    });
    g.bench_function(BenchmarkId::new("to_dense_5_columns", n), |b| {
        b.iter(|| {
            black_box(table_to_dense(t, Some(&["month", "sched_dep_time", "distance", "hour", "air_time"])).unwrap())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("one_hot");
    g.throughput(Throughput::Elements(n as u64));
    for name in ["dest", "tailnum"] {
        let column = col(name);
        g.bench_function(BenchmarkId::new(format!("fit_{name}"), n), |b| {
            b.iter(|| black_box(OneHotEncoder::fit(&OneHotParams::default(), column, name).unwrap()))
        });
        let enc = OneHotEncoder::fit(&OneHotParams::default(), column, name).unwrap();
        g.bench_function(BenchmarkId::new(format!("transform_{name}"), n), |b| {
            b.iter(|| black_box(enc.transform(column, name).unwrap()))
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = numeric }
criterion_main!(benches);
