//! The hand-fused flights pipeline: per row, every lookup straight from the row's keys into
//! pre-indexed side arrays, the features written into a stack array, and the trees evaluated a
//! block of rows at a time; no key table, joined table or feature matrix is ever built.
//!
//! Lookups are merged where keys are shared: one `tailnum` probe finds both the plane and its
//! history; one `dest` probe finds the airport and the destination's index into a dense
//! (origin x destination) route-history array; the date indexes a dense calendar array and the
//! scheduled hour a dense hour-history array. Unknown and null keys get the joins' defaults, so
//! the features (and the probabilities) are exactly the pipeline's.

use rustc_hash::FxHashMap;
use willump::ops::{LeftJoin, TargetAggregate};
use willump::runtime::value::{Column, I64Column, StringColumn, Table, Value, numeric_values};

use super::{FEATURES, FlightsModel};
use crate::fused::keymap::{HourKeyMap, StrKeyMap};
use crate::fused::trees::{BLOCK, MAX_BLOCK_FEATURES};
use crate::fused::{CompactTrees, sigmoid};
use crate::{Error, Result, Scorer, input_column};

const OP: &str = "FlightsFused";
const NONE: u32 = u32::MAX;
const NF: usize = 30;

/// Rows of looked-up values, with the default row last.
#[derive(Debug, Clone)]
struct Values<const K: usize> {
    rows: Vec<[f64; K]>,
}

impl<const K: usize> Values<K> {
    /// The value columns `names` of `side` (missing -> NaN) and the default row.
    fn new(side: &Table, names: &[&str], default: [f64; K]) -> Result<Self> {
        let cols = names.iter().map(|n| numeric_values(side.column(OP, n)?, OP, n)).collect::<Result<Vec<_>>>()?;
        let mut rows: Vec<[f64; K]> = (0..side.n_rows()).map(|i| std::array::from_fn(|k| cols[k][i])).collect();
        rows.push(default);
        Ok(Values { rows })
    }

    /// Row `r`, or the default row for [`NONE`].
    #[inline(always)]
    fn get(&self, r: u32) -> &[f64; K] {
        let last = self.rows.len() - 1;
        &self.rows[if r == NONE { last } else { r as usize }]
    }
}

/// A join's defaults as f64 (missing -> NaN).
fn defaults<const K: usize>(j: &LeftJoin) -> [f64; K] {
    use willump::ir::params::table::Scalar;
    let d = j.defaults();
    std::array::from_fn(|k| match d.get(k) {
        Some(Scalar::F64(v)) => *v,
        Some(Scalar::I64(v)) => *v as f64,
        Some(Scalar::Bool(b)) => *b as u8 as f64,
        _ => f64::NAN,
    })
}

/// String keys to ids, first seen first.
#[derive(Debug, Default, Clone)]
struct Ids {
    map: FxHashMap<Box<str>, u32>,
}

impl Ids {
    fn id(&mut self, s: &str) -> u32 {
        let n = self.map.len() as u32;
        *self.map.entry(s.into()).or_insert(n)
    }

    #[inline(always)]
    fn get(&self, s: Option<&str>) -> u32 {
        s.and_then(|s| self.map.get(s).copied()).unwrap_or(NONE)
    }
}

fn str_key<'a>(side: &'a Table, name: &str) -> Result<&'a StringColumn> {
    side.column(OP, name)?.as_str(OP, name)
}

fn i64_key<'a>(side: &'a Table, name: &str) -> Result<&'a I64Column> {
    side.column(OP, name)?.as_i64(OP, name)
}

/// An aggregate's side table and its (count, mean) rows with the default (0, prior).
fn history(a: &TargetAggregate) -> Result<(Table, Values<2>)> {
    let side = a.join().side_table()?;
    let p = a.params();
    let v = Values::new(&side, &[p.count_name.as_str(), p.mean_name.as_str()], [0.0, a.prior()])?;
    Ok((side, v))
}

/// The fused flights pipeline.
pub struct FlightsFused {
    /// Day of week by dense date index; NaN where no calendar row.
    calendar: Vec<f64>,
    first_year: i64,
    n_years: i64,
    /// tailnum -> (planes row, plane history row).
    tailnums: StrKeyMap<(u32, u32)>,
    planes: Values<3>,
    plane_hist: Values<2>,
    /// dest -> (airports row, destination id).
    dests: StrKeyMap<(u32, u32)>,
    airports: Values<4>,
    /// origin -> origin id.
    origins: StrKeyMap<u32>,
    n_dests: usize,
    /// Route history row by `origin_id * n_dests + dest_id`.
    routes: Vec<u32>,
    route_hist: Values<2>,
    /// Per origin id: time_hour -> weather row.
    weather_index: Vec<HourKeyMap<u32>>,
    weather: Values<9>,
    /// carrier -> carrier history row.
    carriers: StrKeyMap<u32>,
    carrier_hist: Values<2>,
    /// Hour history row by `hour - first_hour`.
    hours: Vec<u32>,
    first_hour: i64,
    hour_hist: Values<2>,
    trees: CompactTrees,
}

impl FlightsFused {
    /// Indexes a fitted flights pipeline's side tables and packs its trees.
    pub fn new(m: &FlightsModel) -> Result<FlightsFused> {
        let st = &m.state;
        let trees = CompactTrees::new(m.model.ensemble())?;
        if trees.n_features() != NF || NF != FEATURES.len() || NF > MAX_BLOCK_FEATURES {
            return Err(Error::op(
                OP,
                format!("the model takes {} features, the pipeline makes {NF}", trees.n_features()),
            ));
        }

        // Calendar: a dense array over the years it covers.
        let cal = st.calendar.side_table()?;
        let (y, mo, d) = (i64_key(&cal, "year")?, i64_key(&cal, "month")?, i64_key(&cal, "day")?);
        let dow = numeric_values(cal.column(OP, "day_of_week")?, OP, "day_of_week")?;
        let first_year = y.iter().flatten().min().unwrap_or(0);
        let n_years = y.iter().flatten().max().map_or(0, |l| l - first_year + 1);
        let mut calendar = vec![f64::NAN; (n_years.max(0) * 372) as usize];
        for (i, &w) in dow.iter().enumerate() {
            if let (Some(y), Some(mo), Some(d)) = (y.get(i), mo.get(i), d.get(i))
                && let Some(k) = date_index(y, mo, d, first_year, n_years)
            {
                calendar[k] = w;
            }
        }

        // Planes and plane history share the tailnum probe.
        let planes_side = st.planes.side_table()?;
        let planes = Values::new(&planes_side, &["plane_year", "engines", "seats"], defaults(&st.planes))?;
        let (plane_side, plane_hist) = history(&st.histories[2])?;
        let mut tailnums: FxHashMap<Box<str>, (u32, u32)> = FxHashMap::default();
        for (i, t) in str_key(&planes_side, "tailnum")?.iter().enumerate() {
            if let Some(t) = t {
                tailnums.entry(t.into()).or_insert((NONE, NONE)).0 = i as u32;
            }
        }
        for (i, t) in str_key(&plane_side, "tailnum")?.iter().enumerate() {
            if let Some(t) = t {
                tailnums.entry(t.into()).or_insert((NONE, NONE)).1 = i as u32;
            }
        }

        // Airports and the route history share the dest probe; origins get small ids.
        let airports_side = st.airports.side_table()?;
        let airports = Values::new(&airports_side, &["lat", "lon", "alt", "tz"], defaults(&st.airports))?;
        let (route_side, route_hist) = history(&st.histories[1])?;
        let mut dests: FxHashMap<Box<str>, (u32, u32)> = FxHashMap::default();
        let mut next_dest = 0u32;
        let mut dest_id = |dests: &mut FxHashMap<Box<str>, (u32, u32)>, s: &str| -> u32 {
            let e = dests.entry(s.into()).or_insert_with(|| {
                next_dest += 1;
                (NONE, next_dest - 1)
            });
            e.1
        };
        for (i, t) in str_key(&airports_side, "faa")?.iter().enumerate() {
            if let Some(t) = t {
                dest_id(&mut dests, t);
                dests.get_mut(t).expect("just inserted").0 = i as u32;
            }
        }
        let mut origins = Ids::default();
        let weather_side = st.weather.side_table()?;
        let w_origin = str_key(&weather_side, "origin")?;
        let (r_origin, r_dest) = (str_key(&route_side, "origin")?, str_key(&route_side, "dest")?);
        let mut route_keys = Vec::new();
        for i in 0..route_side.n_rows() {
            if let (Some(o), Some(d)) = (r_origin.get(i), r_dest.get(i)) {
                route_keys.push((origins.id(o), dest_id(&mut dests, d), i as u32));
            }
        }
        for o in w_origin.iter().flatten() {
            origins.id(o);
        }
        let n_dests = next_dest as usize;
        let mut routes = vec![NONE; origins.map.len() * n_dests];
        for (o, d, r) in route_keys {
            routes[o as usize * n_dests + d as usize] = r;
        }

        // Weather: per origin, time_hour -> row.
        let weather = Values::new(
            &weather_side,
            &["temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib"],
            defaults(&st.weather),
        )?;
        let mut by_origin: Vec<Vec<(&str, u32)>> = vec![Vec::new(); origins.map.len()];
        let w_time = str_key(&weather_side, "time_hour")?;
        for i in 0..weather_side.n_rows() {
            if let (Some(o), Some(t)) = (w_origin.get(i), w_time.get(i)) {
                by_origin[origins.get(Some(o)) as usize].push((t, i as u32));
            }
        }
        let weather_index = by_origin.iter().map(|e| HourKeyMap::new(e.iter().copied())).collect();

        // Carrier and hour histories.
        let (carrier_side, carrier_hist) = history(&st.histories[0])?;
        let carriers = StrKeyMap::new(
            str_key(&carrier_side, "carrier")?.iter().enumerate().filter_map(|(i, c)| Some((c?, i as u32))),
        );
        let (hour_side, hour_hist) = history(&st.histories[3])?;
        let h = i64_key(&hour_side, "hour")?;
        let first_hour = h.iter().flatten().min().unwrap_or(0);
        let last_hour = h.iter().flatten().max().unwrap_or(-1);
        let span = (last_hour - first_hour + 1).clamp(0, 1 << 20) as usize;
        let mut hours = vec![NONE; span];
        for i in 0..hour_side.n_rows() {
            if let Some(v) = h.get(i) {
                let k = (v - first_hour) as usize;
                if k < span {
                    hours[k] = i as u32;
                }
            }
        }
        Ok(FlightsFused {
            calendar,
            first_year,
            n_years,
            tailnums: StrKeyMap::new(tailnums.iter().map(|(k, v)| (&**k, *v))),
            planes,
            plane_hist,
            dests: StrKeyMap::new(dests.iter().map(|(k, v)| (&**k, *v))),
            airports,
            origins: StrKeyMap::new(origins.map.iter().map(|(k, v)| (&**k, *v))),
            n_dests,
            routes,
            route_hist,
            weather_index,
            weather,
            carriers,
            carrier_hist,
            hours,
            first_hour,
            hour_hist,
            trees,
        })
    }

    /// The features of row `i` into `f`.
    #[inline]
    fn row(&self, c: &Cols<'_>, i: usize, f: &mut [f64; MAX_BLOCK_FEATURES]) {
        let int = |col: &I64Column| col.get(i);
        let as_f = |v: Option<i64>| v.map_or(f64::NAN, |x| x as f64);
        let (year, month, day, hour, minute) = (int(c.year), int(c.month), int(c.day), int(c.hour), int(c.minute));
        f[0] = as_f(day);
        f[1] = as_f(hour);
        f[2] = as_f(minute);
        f[3] = match (hour, minute) {
            (Some(h), Some(m)) => h as f64 * 60.0 + m as f64,
            _ => f64::NAN,
        };
        f[4] = c.distance.get(i).map_or(f64::NAN, f64::ln_1p);
        f[5] = match (year, month, day) {
            (Some(y), Some(m), Some(d)) => {
                date_index(y, m, d, self.first_year, self.n_years).map_or(f64::NAN, |k| self.calendar[k])
            }
            _ => f64::NAN,
        };
        let (plane_row, plane_hist_row) = c.tailnum.get(i).and_then(|t| self.tailnums.get(t)).unwrap_or((NONE, NONE));
        f[6..9].copy_from_slice(self.planes.get(plane_row));
        let (airport_row, dest) = c.dest.get(i).and_then(|d| self.dests.get(d)).unwrap_or((NONE, NONE));
        f[9..13].copy_from_slice(self.airports.get(airport_row));
        let origin = c.origin.get(i).and_then(|o| self.origins.get(o)).unwrap_or(NONE);
        let weather_row = if origin == NONE {
            NONE
        } else {
            c.time_hour.get(i).and_then(|t| self.weather_index[origin as usize].get(t)).unwrap_or(NONE)
        };
        f[13..22].copy_from_slice(self.weather.get(weather_row));
        let carrier_row = c.carrier.get(i).and_then(|k| self.carriers.get(k)).unwrap_or(NONE);
        f[22..24].copy_from_slice(self.carrier_hist.get(carrier_row));
        let route_row = if origin == NONE || dest == NONE {
            NONE
        } else {
            self.routes[origin as usize * self.n_dests + dest as usize]
        };
        f[24..26].copy_from_slice(self.route_hist.get(route_row));
        f[26..28].copy_from_slice(self.plane_hist.get(plane_hist_row));
        let hour_row = hour
            .map(|h| h.wrapping_sub(self.first_hour))
            .filter(|&k| k >= 0 && (k as usize) < self.hours.len())
            .map_or(NONE, |k| self.hours[k as usize]);
        f[28..30].copy_from_slice(self.hour_hist.get(hour_row));
    }
}

/// The dense index of a date, when it is in the calendar's years and a plausible day.
#[inline]
fn date_index(y: i64, m: i64, d: i64, first_year: i64, n_years: i64) -> Option<usize> {
    let yi = y.checked_sub(first_year)?;
    ((0..n_years).contains(&yi) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| (yi * 372 + (m - 1) * 31 + (d - 1)) as usize)
}

/// The row inputs, typed.
struct Cols<'a> {
    year: &'a I64Column,
    month: &'a I64Column,
    day: &'a I64Column,
    hour: &'a I64Column,
    minute: &'a I64Column,
    distance: &'a willump::runtime::value::F64Column,
    carrier: &'a StringColumn,
    tailnum: &'a StringColumn,
    origin: &'a StringColumn,
    dest: &'a StringColumn,
    time_hour: &'a StringColumn,
}

impl<'a> Cols<'a> {
    fn new(inputs: &'a [Value]) -> Result<Cols<'a>> {
        let names = super::tables::INPUTS;
        if inputs.len() != names.len() {
            return Err(Error::op(OP, format!("takes {} row inputs, got {}", names.len(), inputs.len())));
        }
        let col = |i: usize| -> Result<&'a Column> { input_column(OP, inputs, i) };
        let n = col(0)?.len();
        for (i, name) in names.iter().enumerate() {
            if col(i)?.len() != n {
                return Err(Error::invalid(OP, *name, format!("{} rows, `year` has {n}", col(i)?.len())));
            }
        }
        Ok(Cols {
            year: col(0)?.as_i64(OP, names[0])?,
            month: col(1)?.as_i64(OP, names[1])?,
            day: col(2)?.as_i64(OP, names[2])?,
            hour: col(3)?.as_i64(OP, names[3])?,
            minute: col(4)?.as_i64(OP, names[4])?,
            distance: col(5)?.as_f64(OP, names[5])?,
            carrier: col(6)?.as_str(OP, names[6])?,
            tailnum: col(7)?.as_str(OP, names[7])?,
            origin: col(8)?.as_str(OP, names[8])?,
            dest: col(9)?.as_str(OP, names[9])?,
            time_hour: col(10)?.as_str(OP, names[10])?,
        })
    }
}

impl Scorer for FlightsFused {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let c = Cols::new(inputs)?;
        let n = c.year.len();
        let mut out = Vec::with_capacity(n);
        let mut rows = [[0.0; MAX_BLOCK_FEATURES]; BLOCK];
        let mut scores = [0.0; BLOCK];
        let mut scratch = self.trees.scratch();
        let mut start = 0;
        while start < n {
            let m = (n - start).min(BLOCK);
            for (k, row) in rows.iter_mut().enumerate().take(m) {
                self.row(&c, start + k, row);
            }
            self.trees.score_block(&rows, m, &mut scores, &mut scratch);
            out.extend(scores[..m].iter().map(|&s| sigmoid(s)));
            start += m;
        }
        Ok(out)
    }
}
