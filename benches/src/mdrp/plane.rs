//! An MDRP instance's plane as the dispatcher's travel: a place's `lon` holds its x and
//! its `lat` its y, in the instance's metres; a drive takes the Euclidean metres over the
//! instance's speed, rounded up to whole minutes, as its rules say.

use freshroute_dispatch::Leg;
use freshroute_dispatch::travel::{Place, Travel};
use freshroute_formats::{MdrpParams, Xy};
use freshroute_model::{Metres, Seconds};
use freshroute_roads::Profile;
use freshroute_solver::TravelMatrix;

/// The instance's plane.
pub(crate) struct Plane {
    pub(crate) params: MdrpParams,
}

/// Where `at` lies on the plane, as the dispatcher's place.
pub(crate) fn place(at: Xy) -> Place {
    Place {
        lat: at.y as f64,
        lon: at.x as f64,
    }
}

fn xy(p: Place) -> Xy {
    Xy {
        x: p.lon.round() as i64,
        y: p.lat.round() as i64,
    }
}

impl Plane {
    fn drive_s(&self, a: Place, b: Place) -> i64 {
        self.params.travel_s(xy(a), xy(b))
    }
}

impl Travel for Plane {
    fn table(&self, _: Profile, places: &[Place]) -> TravelMatrix {
        let mut durations = Vec::with_capacity(places.len() * places.len());
        let mut distances = Vec::with_capacity(places.len() * places.len());
        for &a in places {
            for &b in places {
                durations.push(Seconds(self.drive_s(a, b)));
                distances.push(Metres((a.lon - b.lon).hypot(a.lat - b.lat).round() as i64));
            }
        }
        TravelMatrix::new(places.len(), durations, distances)
    }

    fn drive_ms(&self, _: Profile, from: Place, to: Place) -> Option<i64> {
        Some(self.drive_s(from, to) * 1000)
    }

    fn legs(&self, _: Profile, waypoints: &[Place], _: &[i64]) -> Vec<Leg> {
        waypoints
            .windows(2)
            .map(|w| Leg {
                geometry: w.iter().map(|p| [p.lon, p.lat]).collect(),
                duration_s: self.drive_s(w[0], w[1]),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drive_takes_whole_minutes_at_the_instance_speed() {
        let plane = Plane {
            params: super::super::tests::grubhub_params(),
        };
        let (a, b) = (place(Xy { x: 0, y: 0 }), place(Xy { x: 300, y: 400 }));
        // 500 m at 320 m a minute: 1.56 minutes, so 2.
        assert_eq!(plane.drive_ms(Profile::Bike, a, b), Some(120_000));
        let m = plane.table(Profile::Bike, &[a, b]);
        assert_eq!(m.travel(0, 1), Seconds(120));
        assert_eq!(m.travel(1, 1), Seconds(0));
    }
}
