//! Where webhooks may send: never to this machine, a private or link-local network, or
//! a cloud's metadata service, so that a webhook cannot make the service reach inside
//! the network it runs in (server-side request forgery). A deployment whose receivers
//! live on a private network names them in an allow list. URLs are checked when a
//! webhook is added and before every attempt, and names again on the addresses they
//! resolve to at connect time, so a name that later points inside (DNS rebinding)
//! reaches nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// One entry of the allow list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// A network: an address and how many of its leading bits must match.
    Net(IpAddr, u8),
    /// A host name (lower case), whatever it resolves to.
    Host(String),
}

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `invalid_url`, `credentials_in_url` or `forbidden_destination`.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

/// The destinations webhooks may reach: public addresses, and what the allow list names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destinations {
    allowed: Arc<Vec<Allowed>>,
}

impl Destinations {
    /// Public destinations and those `entries` name: an address (`10.0.0.7`, `::1`), a
    /// network (`10.0.0.0/8`, `fd00::/8`) or a host name (`pos.chain.lan`).
    pub fn allowing<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let allowed = entries
            .iter()
            .map(|e| entry(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            allowed: Arc::new(allowed),
        })
    }

    /// Whether a connection to `ip` is allowed.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        is_public(ip)
            || self.allowed.iter().any(|a| match a {
                Allowed::Net(net, bits) => in_network(ip, *net, *bits),
                Allowed::Host(_) => false,
            })
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed
            .iter()
            .any(|a| matches!(a, Allowed::Host(h) if *h == host))
    }

    /// Checks a webhook URL: http or https, a host, no credentials, and a destination
    /// that is public or allowed (names are checked again when they resolve).
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, Refusal> {
        let refuse = |code, message: String| Err(Refusal { code, message });
        let parsed = match reqwest::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return refuse("invalid_url", format!("url is not a URL ({e})")),
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return refuse(
                "invalid_url",
                "url must be http:// or https:// with a host".into(),
            );
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return refuse(
                "credentials_in_url",
                "url must not carry a user or password: the receiver checks the \
                 freshroute-signature header instead"
                    .into(),
            );
        }
        let forbidden = |what: &str| {
            refuse(
                "forbidden_destination",
                format!(
                    "{what} is this machine, a private or link-local network or a metadata \
                     service, where webhooks may not send; a receiver on a private network \
                     must be on the service's webhook allow list (--webhook-allow)"
                ),
            )
        };
        match parsed.host() {
            None => refuse(
                "invalid_url",
                "url must be http:// or https:// with a host".into(),
            ),
            Some(url::Host::Ipv4(ip)) if !self.allows_ip(IpAddr::V4(ip)) => {
                forbidden(&ip.to_string())
            }
            Some(url::Host::Ipv6(ip)) if !self.allows_ip(IpAddr::V6(ip)) => {
                forbidden(&ip.to_string())
            }
            Some(url::Host::Domain(name)) if is_internal_name(name) && !self.allows_host(name) => {
                forbidden(name)
            }
            Some(_) => Ok(parsed),
        }
    }

    /// A resolver for the webhook client that drops every address not allowed, and
    /// fails when none is left.
    pub(crate) fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver(self.clone()))
    }
}

/// Names that only mean something inside a network: `localhost`, and the `.localhost`,
/// `.local` and `.internal` domains (a cloud's metadata service among them).
fn is_internal_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || [".localhost", ".local", ".internal"]
            .iter()
            .any(|d| name.ends_with(d))
}

fn entry(text: &str) -> Result<Allowed, String> {
    let text = text.trim();
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    if let Ok(ip) = addr.trim_matches(['[', ']']).parse::<IpAddr>() {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(b) => b
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        return Ok(Allowed::Net(ip, bits));
    }
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    let is_name = bits.is_none()
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if is_name {
        Ok(Allowed::Host(name))
    } else {
        Err(format!(
            "{text:?} is neither an address, a network (10.0.0.0/8) nor a host name"
        ))
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u128::from(u32::from(a)), u128::from(u32::from(n)), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128),
        (IpAddr::V6(a), IpAddr::V4(_)) => match a.to_ipv4_mapped() {
            Some(v4) => return in_network(IpAddr::V4(v4), net, bits),
            None => return false,
        },
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    ip >> shift == net >> shift
}

/// Whether `ip` is a public unicast address: not this machine, not a private, shared,
/// link-local, documentation, benchmarking, multicast or reserved range.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const BLOCKED: [(Ipv4Addr, u8); 14] = [
        (Ipv4Addr::new(0, 0, 0, 0), 8),
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(100, 64, 0, 0), 10),
        (Ipv4Addr::new(127, 0, 0, 0), 8),
        (Ipv4Addr::new(169, 254, 0, 0), 16),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 0, 0, 0), 24),
        (Ipv4Addr::new(192, 0, 2, 0), 24),
        (Ipv4Addr::new(192, 88, 99, 0), 24),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
        (Ipv4Addr::new(198, 18, 0, 0), 15),
        (Ipv4Addr::new(198, 51, 100, 0), 24),
        (Ipv4Addr::new(203, 0, 113, 0), 24),
        (Ipv4Addr::new(224, 0, 0, 0), 3),
    ];
    !BLOCKED
        .iter()
        .any(|(net, bits)| in_network(IpAddr::V4(ip), IpAddr::V4(*net), *bits))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // Forms that carry an IPv4 address are judged by it: mapped, and NAT64.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    const BLOCKED: [(u16, u16, u8); 9] = [
        (0x0000, 0, 16),     // unspecified, loopback, IPv4-compatible and other reserved
        (0x0100, 0, 16),     // discard
        (0x2001, 0, 32),     // Teredo: tunnels to any IPv4 address
        (0x2001, 0xdb8, 32), // documentation
        (0x2002, 0, 16),     // 6to4: tunnels to any IPv4 address
        (0xfc00, 0, 7),      // unique local
        (0xfe80, 0, 10),     // link-local
        (0xfec0, 0, 10),     // site-local
        (0xff00, 0, 8),      // multicast
    ];
    !BLOCKED.iter().any(|&(a, b, bits)| {
        let net = Ipv6Addr::new(a, b, 0, 0, 0, 0, 0, 0);
        in_network(IpAddr::V6(ip), IpAddr::V6(net), bits)
    })
}

/// Why a connection was not made: the name resolved only to addresses webhooks may not
/// reach.
#[derive(Debug)]
pub(crate) struct ForbiddenDestination(pub(crate) String);

impl std::fmt::Display for ForbiddenDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to addresses webhooks may not reach",
            self.0
        )
    }
}

impl std::error::Error for ForbiddenDestination {}

/// The webhook client's resolver: the system's, with every address not allowed dropped.
#[derive(Debug)]
pub(crate) struct GuardedResolver(Destinations);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let destinations = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let open = destinations.allows_host(&host);
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| open || destinations.allows_ip(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(Box::new(ForbiddenDestination(host)) as _);
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(d: &Destinations, url: &str) -> Option<&'static str> {
        d.check_url(url).err().map(|r| r.code)
    }

    #[test]
    fn loopback_private_link_local_and_metadata_destinations_are_refused() {
        let d = Destinations::default();
        for url in [
            "http://127.0.0.1/hook",
            "http://127.1/hook",
            "http://2130706433/hook",
            "http://0x7f000001/hook",
            "http://0177.0.0.1/hook",
            "http://0.0.0.0:8080/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://localhost:5432/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://printer.local/",
        ] {
            assert_eq!(code(&d, url), Some("forbidden_destination"), "{url}");
        }
    }

    #[test]
    fn public_destinations_pass_and_credentials_or_other_schemes_do_not() {
        let d = Destinations::default();
        for url in [
            "https://pos.example.com/freshroute",
            "http://93.184.216.34:8080/hook",
            "https://[2606:2800:220:1:248:1893:25c8:1946]/",
        ] {
            assert_eq!(code(&d, url), None, "{url}");
        }
        assert_eq!(
            code(&d, "https://user:pass@pos.example.com/"),
            Some("credentials_in_url")
        );
        assert_eq!(
            code(&d, "https://user@pos.example.com/"),
            Some("credentials_in_url")
        );
        assert_eq!(code(&d, "ftp://pos.example.com/"), Some("invalid_url"));
        assert_eq!(code(&d, "not a url"), Some("invalid_url"));
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        let d =
            Destinations::allowing(&["127.0.0.1", "10.1.0.0/16", "fd00::/8", "pos.chain.local"])
                .expect("entries");
        assert_eq!(code(&d, "http://127.0.0.1:9000/"), None);
        assert_eq!(
            code(&d, "http://127.0.0.2:9000/"),
            Some("forbidden_destination")
        );
        assert_eq!(code(&d, "http://10.1.200.3/"), None);
        assert_eq!(code(&d, "http://10.2.0.1/"), Some("forbidden_destination"));
        assert_eq!(code(&d, "http://[fd12::3]/"), None);
        assert_eq!(code(&d, "http://pos.chain.local/"), None);
        assert_eq!(
            code(&d, "http://other.chain.local/"),
            Some("forbidden_destination")
        );
        assert!(d.allows_ip("::ffff:127.0.0.1".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "::/129", "pos chain", "1.2.3.4/x", ""] {
            assert!(Destinations::allowing(&[bad]).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_inside_reaches_nothing() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().expect("name");
        let refused = Destinations::default().resolver().resolve(name).await;
        assert!(refused.is_err());
        let name: reqwest::dns::Name = "localhost".parse().expect("name");
        let allowed = Destinations::allowing(&["127.0.0.0/8", "::1"])
            .expect("entries")
            .resolver()
            .resolve(name)
            .await
            .expect("allowed");
        assert!(allowed.count() > 0);
    }
}
