//! A seeded generator of the flights task's five tables, with nycflights13's schema and shape:
//! three New York origins, about a hundred destinations, sixteen carriers with fleets of planes,
//! hourly weather at each origin through one year, and flights over that year.
//!
//! Whether a flight is late follows effects a model can partly recover, and parts it cannot:
//! carrier, route and plane effects (visible through the history tables and the plane's age),
//! the scheduled hour (delays build up through the day), season and day of week, the origin's
//! weather at departure (storms, low visibility, wind, freezing temperatures: visible through
//! the weather join), and unobserved daily congestion and noise. As in the real data, some
//! destinations are missing from the airports table, some tailnums from the planes table, a few
//! weather hours are missing, and cancelled flights have no `arr_delay`.

use willump::runtime::rng::Rng;
use willump::runtime::value::{Column, F64Column, I64Column, StringColumn, Table};

use super::tables::{RawTables, day_of_week};
use crate::Result;

const YEAR: i64 = 2013;
const CARRIERS: [&str; 16] =
    ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV"];
const ORIGINS: [(&str, f64, f64, f64); 3] =
    [("EWR", 40.6925, -74.1687, 18.0), ("JFK", 40.6398, -73.7789, 13.0), ("LGA", 40.7772, -73.8726, 22.0)];

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// New York's UTC offset in hours at a local date and hour (EDT from 2:00 on 10 March to 1:00
/// on 3 November 2013).
fn utc_offset(month: i64, day: i64, hour: i64) -> i64 {
    let t = (month * 100 + day) * 100 + hour;
    if (31002..110301).contains(&t) { 4 } else { 5 }
}

/// Hours since 1970-01-01T00:00Z of a local date (as days since 1970) and hour.
fn utc_hour(days: i64, hour: i64, month: i64, day: i64) -> i64 {
    days * 24 + hour + utc_offset(month, day, hour)
}

/// The `time_hour` string (UTC, as nycflights13 writes it) of an hour since 1970.
fn time_hour(h: i64) -> String {
    let (y, m, d) = civil_from_days(h.div_euclid(24));
    format!("{y:04}-{m:02}-{d:02}T{:02}:00:00Z", h.rem_euclid(24))
}

/// Cumulative weights for sampling.
struct Picker {
    cum: Vec<f64>,
}

impl Picker {
    fn new(weights: &[f64]) -> Picker {
        let mut s = 0.0;
        Picker {
            cum: weights
                .iter()
                .map(|w| {
                    s += w;
                    s
                })
                .collect(),
        }
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let u = rng.next_f64() * self.cum[self.cum.len() - 1];
        self.cum.partition_point(|&c| c <= u).min(self.cum.len() - 1)
    }
}

struct Dest {
    code: String,
    lat: f64,
    lon: f64,
    effect: f64,
}

struct Route {
    origin: usize,
    dest: usize,
    carrier: usize,
}

struct Plane {
    tailnum: String,
    year: i64,
    engines: i64,
    seats: i64,
    effect: f64,
}

/// Hourly weather of one origin through the year (index: UTC hours since local midnight of
/// 1 January, which is 05:00Z).
struct Weather {
    temp: Vec<f64>,
    dewp: Vec<f64>,
    humid: Vec<f64>,
    wind_dir: Vec<f64>,
    wind_speed: Vec<f64>,
    precip: Vec<f64>,
    pressure: Vec<f64>,
    visib: Vec<f64>,
}

fn haversine_miles(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 3958.8 * h.sqrt().asin()
}

fn code(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let mut s = prefix.to_string();
    for _ in 0..len {
        s.push((b'A' + rng.below(26) as u8) as char);
    }
    s
}

/// The weather of every origin; storms are regional (shared by the origins, with local noise).
fn weather(rng: &mut Rng, n_days: usize) -> Vec<Weather> {
    let n = n_days * 24;
    let mut storm = vec![false; n];
    let mut on = false;
    for (h, s) in storm.iter_mut().enumerate() {
        let doy = (h / 24) as f64;
        let hod = (h % 24) as f64;
        // More storms in summer afternoons and in winter.
        let season = 1.0 + 0.8 * (2.0 * std::f64::consts::PI * (doy - 190.0) / 365.0).cos().abs();
        let afternoon = if (13.0..20.0).contains(&hod) { 1.5 } else { 1.0 };
        on = if on { rng.next_f64() > 0.11 } else { rng.next_f64() < 0.011 * season * afternoon };
        *s = on;
    }
    let mut out = Vec::new();
    for o in 0..ORIGINS.len() {
        let mut w = Weather {
            temp: Vec::with_capacity(n),
            dewp: Vec::with_capacity(n),
            humid: Vec::with_capacity(n),
            wind_dir: Vec::with_capacity(n),
            wind_speed: Vec::with_capacity(n),
            precip: Vec::with_capacity(n),
            pressure: Vec::with_capacity(n),
            visib: Vec::with_capacity(n),
        };
        let (mut t_noise, mut p_noise, mut dir) = (0.0, 0.0, 200.0);
        for (h, &st) in storm.iter().enumerate() {
            let doy = (h / 24) as f64;
            let hod = (h % 24) as f64;
            t_noise = 0.95 * t_noise + 1.2 * rng.normal();
            p_noise = 0.97 * p_noise + 0.9 * rng.normal();
            let temp = 55.0 - 22.0 * (2.0 * std::f64::consts::PI * (doy - 20.0) / 365.0).cos()
                + 7.0 * (2.0 * std::f64::consts::PI * (hod - 9.0) / 24.0).sin()
                + t_noise
                + o as f64 * 0.8;
            let local_storm = st && rng.next_f64() < 0.85;
            let dewp = temp - if local_storm { 2.0 + 3.0 * rng.next_f64() } else { 6.0 + 14.0 * rng.next_f64() };
            let c = |f: f64| (f - 32.0) / 1.8;
            let humid =
                100.0 * ((17.625 * c(dewp)) / (243.04 + c(dewp)) - (17.625 * c(temp)) / (243.04 + c(temp))).exp();
            dir = (dir + 10.0 * (rng.below(5) as f64 - 2.0)).rem_euclid(360.0);
            let wind = (6.0 + 6.0 * rng.normal().abs() + if local_storm { 10.0 } else { 0.0 }).max(0.0);
            let precip = if local_storm {
                (-(1.0 - rng.next_f64()).ln() * 0.08 * 100.0).round() / 100.0
            } else if rng.next_f64() < 0.02 {
                0.01
            } else {
                0.0
            };
            let visib = if local_storm {
                (0.25 + 5.0 * rng.next_f64()).min(10.0)
            } else if rng.next_f64() < 0.08 {
                4.0 + 6.0 * rng.next_f64()
            } else {
                10.0
            };
            let pressure = 1017.0 + 6.0 * p_noise - if local_storm { 9.0 } else { 0.0 };
            w.temp.push((temp * 100.0).round() / 100.0);
            w.dewp.push((dewp * 100.0).round() / 100.0);
            w.humid.push((humid.min(100.0) * 100.0).round() / 100.0);
            w.wind_dir.push(dir);
            w.wind_speed.push((wind * 1000.0).round() / 1000.0);
            w.precip.push(precip);
            w.pressure.push((pressure * 10.0).round() / 10.0);
            w.visib.push((visib * 4.0).round() / 4.0);
        }
        out.push(w);
    }
    out
}

/// Five seeded tables holding about `rows` flights.
pub fn generate(seed: u64, rows: usize) -> Result<RawTables> {
    let mut rng = Rng::new(seed ^ 0xF1_1647);
    let first_day = days_from_civil(YEAR, 1, 1);
    let n_days = (days_from_civil(YEAR + 1, 1, 1) - first_day) as usize;
    let first_hour = utc_hour(first_day, 0, 1, 1);

    // Destinations: ~100 served airports, plus airports nobody flies to (as in airports.csv).
    let mut dests: Vec<Dest> = Vec::new();
    let mut taken: Vec<String> = ORIGINS.iter().map(|o| o.0.to_string()).collect();
    while dests.len() < 100 {
        let c = code(&mut rng, "", 3);
        if taken.contains(&c) {
            continue;
        }
        taken.push(c.clone());
        dests.push(Dest {
            code: c,
            lat: 25.0 + 23.0 * rng.next_f64(),
            lon: -123.0 + 55.0 * rng.next_f64(),
            effect: 0.25 * rng.normal(),
        });
    }
    let carrier_effect: Vec<f64> = (0..CARRIERS.len()).map(|_| 0.3 * rng.normal()).collect();
    let carrier_traffic: Vec<f64> = (0..CARRIERS.len()).map(|i| 1.0 / (i as f64 + 1.5)).collect();
    let carrier_pick = Picker::new(&carrier_traffic);

    // Routes: each destination from one to three origins, by one to three carriers.
    let mut routes = Vec::new();
    let mut route_w = Vec::new();
    for (d, _) in dests.iter().enumerate() {
        let popularity = 1.0 / (d as f64 + 4.0);
        let mut served = false;
        for o in 0..ORIGINS.len() {
            if rng.next_f64() < 0.55 || (!served && o == ORIGINS.len() - 1) {
                served = true;
                let k = 1 + rng.below(3) as usize;
                let mut cs: Vec<usize> = Vec::new();
                for _ in 0..k {
                    let c = carrier_pick.pick(&mut rng);
                    if !cs.contains(&c) {
                        cs.push(c);
                    }
                }
                for c in cs {
                    routes.push(Route { origin: o, dest: d, carrier: c });
                    route_w.push(popularity * (0.5 + rng.next_f64()));
                }
            }
        }
    }
    let route_pick = Picker::new(&route_w);

    // Fleets: one plane per ~80 flights, split by carrier traffic.
    let n_planes = (rows / 80).max(CARRIERS.len() * 2);
    let total_traffic: f64 = carrier_traffic.iter().sum();
    let mut fleets: Vec<Vec<Plane>> = Vec::new();
    let mut tails: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (c, t) in carrier_traffic.iter().enumerate() {
        let size = ((n_planes as f64 * t / total_traffic).round() as usize).max(2);
        let age_bias = 8.0 * rng.next_f64();
        let mut fleet = Vec::with_capacity(size);
        while fleet.len() < size {
            let tail = format!("N{}{}", 100 + rng.below(900), code(&mut rng, "", 2));
            if !tails.insert(tail.clone()) {
                continue;
            }
            let year = (2013.0 - age_bias - 14.0 * rng.next_f64().powi(2) * 2.0).round() as i64;
            let engines = match rng.below(100) {
                0..=2 => 1,
                3..=92 => 2,
                93..=97 => 3,
                _ => 4,
            };
            let seats = if c % 3 == 0 { 20 + rng.below(80) as i64 } else { 100 + rng.below(300) as i64 };
            let effect = 0.25 * rng.normal() + 0.012 * (2005 - year) as f64;
            fleet.push(Plane { tailnum: tail, year, engines, seats, effect });
        }
        fleets.push(fleet);
    }
    let fleet_pick: Vec<Picker> =
        fleets.iter().map(|f| Picker::new(&(0..f.len()).map(|i| 1.0 / (i as f64 + 3.0)).collect::<Vec<_>>())).collect();

    let wx = weather(&mut rng, n_days);
    let congestion: Vec<f64> = (0..n_days * ORIGINS.len()).map(|_| 0.35 * rng.normal()).collect();
    let national: Vec<f64> = (0..n_days).map(|_| 0.3 * rng.normal()).collect();
    const MONTH_EFFECT: [f64; 13] = [0.0, 0.05, -0.05, 0.0, 0.05, 0.15, 0.35, 0.3, -0.05, -0.35, -0.3, -0.15, 0.25];
    const DOW_EFFECT: [f64; 7] = [0.05, -0.05, -0.05, 0.15, 0.15, -0.25, 0.0];
    let hour_w: Vec<f64> = (0..24)
        .map(|h| {
            if h < 5 {
                0.0
            } else if (6..=8).contains(&h) || (15..=19).contains(&h) {
                2.0
            } else {
                1.0
            }
        })
        .collect();
    let hour_pick = Picker::new(&hour_w);

    let mut f = FlightCols::with_capacity(rows);
    for _ in 0..rows {
        let r = &routes[route_pick.pick(&mut rng)];
        let day = rng.below(n_days as u64) as usize;
        let (y, m, d) = civil_from_days(first_day + day as i64);
        let hour = hour_pick.pick(&mut rng) as i64;
        let minute = if rng.next_f64() < 0.8 { 5 * rng.below(12) as i64 } else { rng.below(60) as i64 };
        let plane = &fleets[r.carrier][fleet_pick[r.carrier].pick(&mut rng)];
        let dest = &dests[r.dest];
        let o = ORIGINS[r.origin];
        let distance = (haversine_miles((o.1, o.2), (dest.lat, dest.lon)) * 1.04).round();
        let w = &wx[r.origin];
        let abs_hour = utc_hour(first_day + day as i64, hour, m, d);
        let hi = ((abs_hour - first_hour).max(0) as usize).min(w.temp.len() - 1);
        let weather_term = 1.4 * (w.precip[hi] * 8.0).min(1.5)
            + if w.visib[hi] < 3.0 { 0.7 } else { 0.0 }
            + 0.03 * (w.wind_speed[hi] - 15.0).max(0.0)
            + 0.025 * (32.0 - w.temp[hi]).max(0.0);
        let logit = -1.55
            + carrier_effect[r.carrier]
            + dest.effect
            + plane.effect
            + 0.055 * (hour as f64 - 13.0)
            + MONTH_EFFECT[m as usize]
            + DOW_EFFECT[day_of_week(y, m, d) as usize]
            + weather_term
            + congestion[day * ORIGINS.len() + r.origin]
            + national[day];
        let u = rng.next_f64().clamp(1e-12, 1.0 - 1e-12);
        let late = logit + (u / (1.0 - u)).ln() > 0.0;
        let cancelled = rng.next_f64() < 0.02 + 0.05 * (w.precip[hi] * 8.0).min(1.0);
        let arr_delay = if cancelled {
            None
        } else if late {
            Some((15.0 - 45.0 * (1.0 - rng.next_f64()).ln()).round())
        } else {
            Some((-35.0 + 49.9 * rng.next_f64()).floor())
        };
        let tail = (rng.next_f64() >= 0.01).then(|| plane.tailnum.clone());
        f.push(
            y,
            m,
            d,
            arr_delay,
            CARRIERS[r.carrier],
            tail,
            o.0,
            &dest.code,
            distance,
            hour,
            minute,
            time_hour(abs_hour),
        );
    }

    // Side tables, with the gaps of the real ones.
    let planes: Vec<&Plane> = fleets.iter().flatten().filter(|_| rng.next_f64() >= 0.12).collect();
    let planes = Table::try_new(vec![
        (
            "tailnum".into(),
            Column::Str(StringColumn::from(planes.iter().map(|p| p.tailnum.clone()).collect::<Vec<_>>())),
        ),
        (
            "year".into(),
            Column::I64(I64Column::from_options(
                &planes.iter().map(|p| (p.year % 7 != 3).then_some(p.year)).collect::<Vec<_>>(),
            )),
        ),
        ("engines".into(), Column::I64(I64Column::new(planes.iter().map(|p| p.engines).collect()))),
        ("seats".into(), Column::I64(I64Column::new(planes.iter().map(|p| p.seats).collect()))),
    ])?;
    let mut faa = Vec::new();
    let mut lat = Vec::new();
    let mut lon = Vec::new();
    let mut alt = Vec::new();
    let mut tz = Vec::new();
    let mut add_airport = |c: &str, la: f64, lo: f64, al: f64| {
        faa.push(c.to_string());
        lat.push(la);
        lon.push(lo);
        alt.push(al);
        tz.push(if lo > -87.0 {
            -5.0
        } else if lo > -102.0 {
            -6.0
        } else if lo > -115.0 {
            -7.0
        } else {
            -8.0
        });
    };
    for o in ORIGINS {
        add_airport(o.0, o.1, o.2, o.3);
    }
    for (i, d) in dests.iter().enumerate() {
        if i % 25 != 7 {
            add_airport(&d.code, d.lat, d.lon, (2000.0 * rng.next_f64()).round());
        }
    }
    // Airports no flight uses, as in airports.csv (its 1,458 rows hold every US airport).
    for _ in 0..300 {
        let c = loop {
            let c = code(&mut rng, "", 3);
            if !taken.contains(&c) {
                break c;
            }
        };
        taken.push(c.clone());
        add_airport(
            &c,
            25.0 + 23.0 * rng.next_f64(),
            -123.0 + 55.0 * rng.next_f64(),
            (3000.0 * rng.next_f64()).round(),
        );
    }
    let airports = Table::try_new(vec![
        ("faa".into(), Column::Str(StringColumn::from(faa))),
        ("lat".into(), Column::F64(F64Column::new(lat))),
        ("lon".into(), Column::F64(F64Column::new(lon))),
        ("alt".into(), Column::F64(F64Column::new(alt))),
        ("tz".into(), Column::F64(F64Column::new(tz))),
    ])?;
    let weather = weather_table(&mut rng, &wx, first_hour)?;
    Ok(RawTables { flights: f.finish()?, planes, airports, weather })
}

fn weather_table(rng: &mut Rng, wx: &[Weather], first_hour: i64) -> Result<Table> {
    let (mut origin, mut th) = (Vec::new(), Vec::new());
    let mut cols: [Vec<Option<f64>>; 9] = Default::default();
    for (o, w) in wx.iter().enumerate() {
        {
            for i in 0..w.temp.len() {
                // A few hours are missing, as in weather.csv.
                if rng.next_f64() < 0.004 {
                    continue;
                }
                origin.push(ORIGINS[o].0.to_string());
                th.push(time_hour(first_hour + i as i64));
                let gust = (w.wind_speed[i] > 18.0).then(|| ((w.wind_speed[i] + 7.0) * 1000.0).round() / 1000.0);
                let vals = [
                    Some(w.temp[i]),
                    Some(w.dewp[i]),
                    Some(w.humid[i]),
                    Some(w.wind_dir[i]),
                    Some(w.wind_speed[i]),
                    gust,
                    Some(w.precip[i]),
                    (rng.next_f64() >= 0.1).then_some(w.pressure[i]),
                    Some(w.visib[i]),
                ];
                for (c, v) in cols.iter_mut().zip(vals) {
                    c.push(v);
                }
            }
        }
    }
    let names = ["temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib"];
    let mut t = vec![
        ("origin".to_string(), Column::Str(StringColumn::from(origin))),
        ("time_hour".to_string(), Column::Str(StringColumn::from(th))),
    ];
    for (n, c) in names.iter().zip(cols) {
        t.push((n.to_string(), Column::F64(F64Column::from_options(&c))));
    }
    Table::try_new(t)
}

/// The flights table being generated, in `tables::FLIGHT_COLUMNS` order.
struct FlightCols {
    year: Vec<i64>,
    month: Vec<i64>,
    day: Vec<i64>,
    arr_delay: Vec<Option<f64>>,
    carrier: Vec<String>,
    tailnum: Vec<Option<String>>,
    origin: Vec<String>,
    dest: Vec<String>,
    distance: Vec<f64>,
    hour: Vec<i64>,
    minute: Vec<i64>,
    time_hour: Vec<String>,
}

impl FlightCols {
    fn with_capacity(n: usize) -> Self {
        FlightCols {
            year: Vec::with_capacity(n),
            month: Vec::with_capacity(n),
            day: Vec::with_capacity(n),
            arr_delay: Vec::with_capacity(n),
            carrier: Vec::with_capacity(n),
            tailnum: Vec::with_capacity(n),
            origin: Vec::with_capacity(n),
            dest: Vec::with_capacity(n),
            distance: Vec::with_capacity(n),
            hour: Vec::with_capacity(n),
            minute: Vec::with_capacity(n),
            time_hour: Vec::with_capacity(n),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        y: i64,
        m: i64,
        d: i64,
        arr_delay: Option<f64>,
        carrier: &str,
        tailnum: Option<String>,
        origin: &str,
        dest: &str,
        distance: f64,
        hour: i64,
        minute: i64,
        time_hour: String,
    ) {
        self.year.push(y);
        self.month.push(m);
        self.day.push(d);
        self.arr_delay.push(arr_delay);
        self.carrier.push(carrier.to_string());
        self.tailnum.push(tailnum);
        self.origin.push(origin.to_string());
        self.dest.push(dest.to_string());
        self.distance.push(distance);
        self.hour.push(hour);
        self.minute.push(minute);
        self.time_hour.push(time_hour);
    }

    fn finish(self) -> Result<Table> {
        Table::try_new(vec![
            ("year".into(), Column::I64(I64Column::new(self.year))),
            ("month".into(), Column::I64(I64Column::new(self.month))),
            ("day".into(), Column::I64(I64Column::new(self.day))),
            ("arr_delay".into(), Column::F64(F64Column::from_options(&self.arr_delay))),
            ("carrier".into(), Column::Str(StringColumn::from(self.carrier))),
            ("tailnum".into(), Column::Str(StringColumn::from(self.tailnum))),
            ("origin".into(), Column::Str(StringColumn::from(self.origin))),
            ("dest".into(), Column::Str(StringColumn::from(self.dest))),
            ("distance".into(), Column::F64(F64Column::new(self.distance))),
            ("hour".into(), Column::I64(I64Column::new(self.hour))),
            ("minute".into(), Column::I64(I64Column::new(self.minute))),
            ("time_hour".into(), Column::Str(StringColumn::from(self.time_hour))),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_time_hours() {
        for z in [-1000, 0, 15_706, 15_800, 16_070] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let jan1 = days_from_civil(2013, 1, 1);
        assert_eq!(time_hour(utc_hour(jan1, 5, 1, 1)), "2013-01-01T10:00:00Z");
        let jul1 = days_from_civil(2013, 7, 1);
        assert_eq!(time_hour(utc_hour(jul1, 22, 7, 1)), "2013-07-02T02:00:00Z");
        let mar10 = days_from_civil(2013, 3, 10);
        assert_eq!(time_hour(utc_hour(mar10, 1, 3, 10)), "2013-03-10T06:00:00Z");
        assert_eq!(time_hour(utc_hour(mar10, 3, 3, 10)), "2013-03-10T07:00:00Z");
    }
}
