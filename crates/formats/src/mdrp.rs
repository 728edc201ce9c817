//! The Grubhub Meal Delivery Routing Problem instances (Reyes et al. 2018): one folder
//! per instance with tab-separated `restaurants.txt`, `orders.txt`, `couriers.txt` and
//! `instance_parameters.txt`. Positions are metres, times minutes from the start of the
//! day; this reader turns times into seconds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::FormatError;

/// A position, metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xy {
    /// East, metres.
    pub x: i64,
    /// North, metres.
    pub y: i64,
}

/// An order: revealed when placed, picked up at its restaurant once ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdrpOrder {
    /// Its id in the file (`o12`).
    pub id: String,
    /// Where to deliver.
    pub at: Xy,
    /// When it is placed (and becomes known), seconds.
    pub placed_s: i64,
    /// Index into [`MdrpInstance::restaurants`].
    pub restaurant: usize,
    /// When the food is ready, seconds.
    pub ready_s: i64,
}

/// A courier's shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdrpCourier {
    /// Its id in the file (`c3`).
    pub id: String,
    /// Where it comes on duty.
    pub at: Xy,
    /// Shift start, seconds.
    pub on_s: i64,
    /// Shift end, seconds: no pickup after it (deliveries may finish later).
    pub off_s: i64,
}

/// The instance's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MdrpParams {
    /// Courier speed, metres per minute.
    pub metres_per_minute: i64,
    /// Time at a restaurant, seconds (half before the pickup, half after).
    pub pickup_service_s: i64,
    /// Time at a customer, seconds (the drop-off is half-way).
    pub dropoff_service_s: i64,
    /// Click-to-door target, seconds.
    pub target_c2d_s: i64,
    /// Click-to-door maximum, seconds.
    pub max_c2d_s: i64,
}

impl MdrpParams {
    /// Travel time between two points: whole minutes, Euclidean metres over the speed
    /// rounded up, as the instances' rules say.
    pub fn travel_s(&self, a: Xy, b: Xy) -> i64 {
        let (dx, dy) = ((a.x - b.x) as f64, (a.y - b.y) as f64);
        let minutes = (dx.hypot(dy) / self.metres_per_minute as f64).ceil() as i64;
        minutes * 60
    }
}

/// One MDRP instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdrpInstance {
    /// The folder's name (`0o100t100s1p100`).
    pub name: String,
    /// Restaurant positions, in file order.
    pub restaurants: Vec<Xy>,
    /// Orders, in file order.
    pub orders: Vec<MdrpOrder>,
    /// Couriers, in file order.
    pub couriers: Vec<MdrpCourier>,
    /// Rules.
    pub params: MdrpParams,
}

/// A row's one-based line number and its cells.
type Row = (usize, Vec<String>);

/// A tab-separated file's rows after its header, with the file's path.
fn rows(dir: &Path, file: &str, columns: usize) -> Result<(PathBuf, Vec<Row>), FormatError> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|source| FormatError::Io {
        path: path.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
        if cells.len() != columns {
            return Err(FormatError::Columns {
                path: path.clone(),
                line: i + 1,
                got: cells.len(),
                expected: columns,
            });
        }
        out.push((i + 1, cells));
    }
    Ok((path, out))
}

fn int(path: &Path, line: usize, name: &str, cell: &str) -> Result<i64, FormatError> {
    cell.parse::<i64>()
        .ok()
        .filter(|v| v.abs() < 1_000_000_000)
        .ok_or_else(|| FormatError::BadValue {
            path: path.to_owned(),
            line,
            what: format!("{name} {cell:?} is not a whole number"),
        })
}

/// Reads the instance in folder `dir`, checking every value.
pub fn read_mdrp(dir: &Path) -> Result<MdrpInstance, FormatError> {
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (path, params) = rows(dir, "instance_parameters.txt", 7)?;
    let Some((line, p)) = params.first() else {
        return Err(FormatError::MissingSection {
            path,
            section: "parameters",
        });
    };
    let n = |k: usize, what: &str| int(&path, *line, what, &p[k]);
    let params = MdrpParams {
        metres_per_minute: n(0, "meters_per_minute")?,
        pickup_service_s: n(1, "pickup service minutes")? * 60,
        dropoff_service_s: n(2, "dropoff service minutes")? * 60,
        target_c2d_s: n(3, "target click-to-door")? * 60,
        max_c2d_s: n(4, "maximum click-to-door")? * 60,
    };
    if params.metres_per_minute <= 0 || params.pickup_service_s < 0 || params.dropoff_service_s < 0
    {
        return Err(FormatError::BadValue {
            path,
            line: *line,
            what: "speed must be positive and service times not negative".to_string(),
        });
    }

    let (path, list) = rows(dir, "restaurants.txt", 3)?;
    let mut restaurants = Vec::with_capacity(list.len());
    let mut restaurant_index = HashMap::new();
    for (line, c) in &list {
        let at = Xy {
            x: int(&path, *line, "x", &c[1])?,
            y: int(&path, *line, "y", &c[2])?,
        };
        if restaurant_index
            .insert(c[0].clone(), restaurants.len())
            .is_some()
        {
            return Err(FormatError::BadValue {
                path,
                line: *line,
                what: format!("restaurant {} appears twice", c[0]),
            });
        }
        restaurants.push(at);
    }

    let (path, list) = rows(dir, "orders.txt", 6)?;
    let mut orders = Vec::with_capacity(list.len());
    for (line, c) in &list {
        let restaurant = *restaurant_index
            .get(&c[4])
            .ok_or_else(|| FormatError::BadValue {
                path: path.clone(),
                line: *line,
                what: format!("order {} names unknown restaurant {}", c[0], c[4]),
            })?;
        let order = MdrpOrder {
            id: c[0].clone(),
            at: Xy {
                x: int(&path, *line, "x", &c[1])?,
                y: int(&path, *line, "y", &c[2])?,
            },
            placed_s: int(&path, *line, "placement_time", &c[3])? * 60,
            restaurant,
            ready_s: int(&path, *line, "ready_time", &c[5])? * 60,
        };
        if order.ready_s < order.placed_s {
            return Err(FormatError::BadValue {
                path,
                line: *line,
                what: format!("order {} is ready before it is placed", order.id),
            });
        }
        orders.push(order);
    }

    let (path, list) = rows(dir, "couriers.txt", 5)?;
    let mut couriers = Vec::with_capacity(list.len());
    for (line, c) in &list {
        let courier = MdrpCourier {
            id: c[0].clone(),
            at: Xy {
                x: int(&path, *line, "x", &c[1])?,
                y: int(&path, *line, "y", &c[2])?,
            },
            on_s: int(&path, *line, "on_time", &c[3])? * 60,
            off_s: int(&path, *line, "off_time", &c[4])? * 60,
        };
        if courier.off_s <= courier.on_s {
            return Err(FormatError::BadValue {
                path,
                line: *line,
                what: format!("courier {} goes off duty before it comes on", courier.id),
            });
        }
        couriers.push(courier);
    }
    if orders.is_empty() || couriers.is_empty() {
        return Err(FormatError::MissingSection {
            path: dir.to_owned(),
            section: if orders.is_empty() {
                "orders"
            } else {
                "couriers"
            },
        });
    }
    Ok(MdrpInstance {
        name,
        restaurants,
        orders,
        couriers,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
        }
    }

    const PARAMS: &str = "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n320\t4\t4\t40\t90\t10\t15\n";
    const ORDERS: &str = "order\tx\ty\tplacement_time\trestaurant\tready_time\n";

    /// A valid one-order instance in `dir`.
    fn valid(dir: &Path) {
        write(
            dir,
            &[
                ("instance_parameters.txt", PARAMS),
                ("restaurants.txt", "restaurant\tx\ty\nr1\t100\t200\n"),
                ("orders.txt", &format!("{ORDERS}o1\t740\t200\t10\tr1\t20\n")),
                (
                    "couriers.txt",
                    "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t0\t90\n",
                ),
            ],
        );
    }

    #[test]
    fn a_small_instance_reads_with_times_in_seconds() {
        let dir = tempfile::tempdir().expect("tempdir");
        valid(dir.path());
        let inst = read_mdrp(dir.path()).expect("read");
        assert_eq!(inst.orders[0].placed_s, 600);
        assert_eq!(inst.orders[0].ready_s, 1200);
        assert_eq!(inst.couriers[0].off_s, 5400);
        assert_eq!(inst.params.pickup_service_s, 240);
        // 640 m at 320 m/min is 2 minutes; 641 m rounds up to 3.
        assert_eq!(
            inst.params.travel_s(inst.restaurants[0], inst.orders[0].at),
            120
        );
        assert_eq!(
            inst.params.travel_s(Xy { x: 0, y: 0 }, Xy { x: 641, y: 0 }),
            180
        );
    }

    #[test]
    fn broken_files_are_refused_with_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        valid(dir.path());
        let unknown = format!("{ORDERS}o1\t740\t200\t10\tr9\t20\n");
        write(dir.path(), &[("orders.txt", &unknown)]);
        let e = read_mdrp(dir.path()).expect_err("unknown restaurant");
        assert_eq!(e.code(), "bad_value");
        assert!(e.to_string().contains("orders.txt:2"), "{e}");
        valid(dir.path());
        write(
            dir.path(),
            &[("couriers.txt", "courier\tx\ty\ton_time\nc1\t0\t0\t0\n")],
        );
        let e = read_mdrp(dir.path()).expect_err("a column short");
        assert_eq!(e.code(), "column_count");
        let e = read_mdrp(&dir.path().join("nowhere")).expect_err("no folder");
        assert_eq!(e.code(), "io_error");
    }
}
