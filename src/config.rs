//! Typed configuration, read once from the environment at start-up.
//!
//! Every variable is documented in `.env.example`. With nothing set, the defaults
//! give the embedded set-up: a local database and the store on 127.0.0.1:3000.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use secrecy::SecretString;

/// The store's settings. Secrets are `SecretString`s and never print.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server listens on (`TROVE_ADDR`).
    pub addr: SocketAddr,
    /// PostgreSQL connection URL (`DATABASE_URL`); it may hold a password.
    pub database_url: SecretString,
    /// Upper bound of the connection pool (`DATABASE_MAX_CONNECTIONS`).
    pub database_max_connections: u32,
    /// Streaming replicas for catalog reads (`DATABASE_READ_URL`, several
    /// separated by commas); none sends every read to the primary.
    pub database_read_urls: Vec<SecretString>,
    /// Where uploaded and generated images live (`TROVE_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// The built site: `pkg/` with the WASM bundle, CSS and public assets (`TROVE_SITE_ROOT`).
    pub site_root: PathBuf,
    /// The shop's name, shown in the header and titles (`TROVE_STORE_NAME`).
    pub store_name: String,
    /// ISO 4217 code of the currency prices are in (`TROVE_CURRENCY`).
    pub currency: String,
    /// `pretty` for people, `json` for log collectors (`TROVE_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// The address shoppers reach the store at, for links in emails and the
    /// Origin check (`TROVE_PUBLIC_URL`); `https://` makes cookies Secure.
    pub public_url: String,
    /// Whether a reverse proxy in front sets `X-Forwarded-For` (`TROVE_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// Whether visitors with a session get the catalog pages every guest
    /// shares with their own parts put in (`TROVE_SHARED_PAGES`, default
    /// true; false renders every such page for them in full).
    pub shared_pages: bool,
    /// Where `/metrics` is served (`TROVE_METRICS_ADDR`, e.g. 127.0.0.1:9100);
    /// nowhere when unset. Never the public address.
    pub metrics_addr: Option<SocketAddr>,
    /// `smtp://`, `smtps://` or `smtp://…?tls=required` server for outgoing mail
    /// (`SMTP_URL`); unset, mail stays in the outbox for admins to read.
    pub smtp_url: Option<SecretString>,
    /// The From address of outgoing mail (`TROVE_MAIL_FROM`).
    pub mail_from: String,
    /// Flat delivery charge per order (`TROVE_SHIPPING_FEE`, default 4.90).
    pub shipping_fee: Decimal,
    /// Discounted subtotal from which delivery is free (`TROVE_FREE_SHIPPING_FROM`,
    /// default 50.00; `none` to always charge).
    pub free_shipping_from: Option<Decimal>,
    /// Minutes an unpaid card order keeps its stock (`TROVE_UNPAID_ORDER_MINUTES`, default 30).
    pub unpaid_order_minutes: u32,
    /// Orders a shopper may have waiting to ship at once (`TROVE_MAX_OPEN_ORDERS`,
    /// default 10): free accounts cannot hold all of a product's stock with
    /// cash-on-delivery orders only staff can cancel.
    pub max_open_orders: u32,
    /// JSON API requests a minute: per token (`TROVE_API_TOKEN_RATE`, default
    /// 600) and per address without a token (`TROVE_API_ANONYMOUS_RATE`, default 120).
    pub api_token_rate: u32,
    pub api_anonymous_rate: u32,
    /// Chat messages a person may post a minute (`TROVE_CHAT_RATE`, default 20).
    pub chat_rate: u32,
    /// Card payments; `None` (no `STRIPE_SECRET_KEY`) offers cash on delivery only.
    pub stripe: Option<StripeConfig>,
    /// Media in an S3-compatible bucket instead of `media_dir` (`TROVE_S3_BUCKET`).
    pub s3: Option<S3Config>,
}

/// An S3-compatible bucket for media: bucket, region and both keys, or none.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// `TROVE_S3_BUCKET`
    pub bucket: String,
    /// `TROVE_S3_REGION` (default `us-east-1`).
    pub region: String,
    /// `TROVE_S3_ENDPOINT`: the service's URL when it is not AWS (MinIO, R2, Ceph…).
    pub endpoint: Option<String>,
    /// `TROVE_S3_ACCESS_KEY_ID`
    pub access_key_id: String,
    /// `TROVE_S3_SECRET_ACCESS_KEY`
    pub secret_access_key: SecretString,
}

/// Stripe settings: all three keys, or none.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `STRIPE_SECRET_KEY` (sk_…): server-side API calls.
    pub secret_key: SecretString,
    /// `STRIPE_PUBLISHABLE_KEY` (pk_…): handed to Stripe.js in the browser.
    pub publishable_key: String,
    /// `STRIPE_WEBHOOK_SECRET` (whsec_…): verifies webhook signatures.
    pub webhook_secret: SecretString,
    /// `STRIPE_API_URL`, default https://api.stripe.com/ (tests point it at localstripe).
    pub api_url: String,
    /// `STRIPE_JS_URL`, default https://js.stripe.com/v3/ (tests load localstripe's fake).
    pub js_url: String,
}

impl StripeConfig {
    /// The origin Stripe.js is served from, for the payment page's CSP.
    pub fn js_origin(&self) -> &str {
        origin(&self.js_url)
    }

    /// The origin of the API, which the card form talks to from the browser.
    pub fn api_origin(&self) -> &str {
        origin(&self.api_url)
    }
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A variable that is set but unusable. Start-up stops and prints it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("configuration variable {var} is invalid: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

/// The embedded set-up's database, created by `scripts/run`.
pub const DEFAULT_DATABASE_URL: &str = "postgres://trove:trove@127.0.0.1:5432/trove";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr: SocketAddr =
            parse(&get, "TROVE_ADDR", "127.0.0.1:3000", "expected host:port such as 127.0.0.1:3000")?;
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError { var: "DATABASE_URL", message: "expected a postgres:// URL".into() });
        }
        let mut database_read_urls = Vec::new();
        for url in get("DATABASE_READ_URL").iter().flat_map(|urls| urls.split(',')).map(str::trim) {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError {
                    var: "DATABASE_READ_URL",
                    message: "expected postgres:// URLs separated by commas".into(),
                });
            }
            database_read_urls.push(SecretString::from(url.to_owned()));
        }
        let database_max_connections =
            parse(&get, "DATABASE_MAX_CONNECTIONS", "16", "expected a whole number from 1 to 1000")?;
        if !(1..=1000).contains(&database_max_connections) {
            return Err(ConfigError {
                var: "DATABASE_MAX_CONNECTIONS",
                message: "expected a whole number from 1 to 1000".into(),
            });
        }
        let media_dir = get("TROVE_MEDIA_DIR").map(PathBuf::from).unwrap_or_else(default_media_dir);
        let site_root = PathBuf::from(get("TROVE_SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let store_name = get("TROVE_STORE_NAME").unwrap_or_else(|| "Trove".into());
        if store_name.chars().count() > 60 {
            return Err(ConfigError { var: "TROVE_STORE_NAME", message: "at most 60 characters".into() });
        }
        let currency = get("TROVE_CURRENCY").unwrap_or_else(|| "USD".into()).to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConfigError {
                var: "TROVE_CURRENCY",
                message: "expected a three-letter ISO 4217 code such as USD".into(),
            });
        }
        let log_format = match get("TROVE_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(ConfigError { var: "TROVE_LOG_FORMAT", message: "expected pretty or json".into() }),
        };
        let public_url =
            get("TROVE_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}")).trim_end_matches('/').to_owned();
        let scheme_ok = public_url.starts_with("http://") || public_url.starts_with("https://");
        if !scheme_ok || public_url.split("://").nth(1).is_none_or(|rest| rest.is_empty() || rest.contains('/')) {
            return Err(ConfigError {
                var: "TROVE_PUBLIC_URL",
                message: "expected an origin such as https://shop.example.com (scheme and host, no path)".into(),
            });
        }
        let trust_proxy = flag(&get, "TROVE_TRUST_PROXY", false)?;
        let shared_pages = flag(&get, "TROVE_SHARED_PAGES", true)?;
        let metrics_addr = match get("TROVE_METRICS_ADDR") {
            None => None,
            Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| ConfigError {
                var: "TROVE_METRICS_ADDR",
                message: "expected an address and port such as 127.0.0.1:9100".into(),
            })?),
        };
        if metrics_addr.is_some_and(|metrics| metrics.port() == addr.port()) {
            return Err(ConfigError {
                var: "TROVE_METRICS_ADDR",
                message: "must not be the store's own port: the figures are for operators only".into(),
            });
        }
        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError { var: "SMTP_URL", message: "expected an smtp:// or smtps:// URL".into() });
        }
        let mail_from = get("TROVE_MAIL_FROM").unwrap_or_else(|| format!("{store_name} <store@localhost>"));
        if !mail_from.contains('@') {
            return Err(ConfigError {
                var: "TROVE_MAIL_FROM",
                message: "expected an address such as Shop <shop@example.com>".into(),
            });
        }
        let shipping_fee: Decimal = parse(&get, "TROVE_SHIPPING_FEE", "4.90", "expected an amount such as 4.90")?;
        // At most the currency's decimals (none for the yen), and at most the two prices have.
        let decimals = crate::money::exponent(&currency).min(2);
        if shipping_fee.is_sign_negative() || shipping_fee.normalize().scale() > decimals {
            return Err(ConfigError {
                var: "TROVE_SHIPPING_FEE",
                message: format!("expected an amount of 0 or more with at most {decimals} decimals in {currency}"),
            });
        }
        let free_shipping_from = match get("TROVE_FREE_SHIPPING_FROM").as_deref().map(str::trim) {
            Some("none") => None,
            _ => {
                let from: Decimal =
                    parse(&get, "TROVE_FREE_SHIPPING_FROM", "50.00", "expected an amount such as 50.00, or none")?;
                if from.is_sign_negative() {
                    return Err(ConfigError {
                        var: "TROVE_FREE_SHIPPING_FROM",
                        message: "expected an amount of 0 or more, or none".into(),
                    });
                }
                Some(from)
            }
        };
        let unpaid_order_minutes: u32 =
            parse(&get, "TROVE_UNPAID_ORDER_MINUTES", "30", "expected a whole number of minutes from 1 to 10080")?;
        if !(1..=10_080).contains(&unpaid_order_minutes) {
            return Err(ConfigError {
                var: "TROVE_UNPAID_ORDER_MINUTES",
                message: "expected a whole number of minutes from 1 to 10080".into(),
            });
        }
        let max_open_orders: u32 =
            parse(&get, "TROVE_MAX_OPEN_ORDERS", "10", "expected a whole number of orders from 1 to 1000000")?;
        if !(1..=1_000_000).contains(&max_open_orders) {
            return Err(ConfigError {
                var: "TROVE_MAX_OPEN_ORDERS",
                message: "expected a whole number of orders from 1 to 1000000".into(),
            });
        }
        let rate = |var: &'static str, default: &str| -> Result<u32, ConfigError> {
            let message = "expected a whole number of requests a minute from 1 to 100000000";
            let value: u32 = parse(&get, var, default, message)?;
            if (1..=100_000_000).contains(&value) {
                Ok(value)
            } else {
                Err(ConfigError { var, message: message.into() })
            }
        };
        let api_token_rate = rate("TROVE_API_TOKEN_RATE", "600")?;
        let api_anonymous_rate = rate("TROVE_API_ANONYMOUS_RATE", "120")?;
        let chat_rate = rate("TROVE_CHAT_RATE", "20")?;
        let stripe = stripe_config(&get)?;
        let s3 = s3_config(&get)?;
        Ok(Config {
            addr,
            database_url: SecretString::from(database_url),
            database_max_connections,
            database_read_urls,
            media_dir,
            site_root,
            store_name,
            currency,
            log_format,
            public_url,
            trust_proxy,
            shared_pages,
            metrics_addr,
            smtp_url: smtp_url.map(SecretString::from),
            mail_from,
            shipping_fee,
            free_shipping_from,
            unpaid_order_minutes,
            max_open_orders,
            api_token_rate,
            api_anonymous_rate,
            chat_rate,
            stripe,
            s3,
        })
    }

    /// Cookies get the Secure attribute when the store is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn s3_config(get: &impl Fn(&str) -> Option<String>) -> Result<Option<S3Config>, ConfigError> {
    let Some(bucket) = get("TROVE_S3_BUCKET") else { return Ok(None) };
    let required = |var: &'static str| {
        get(var).ok_or_else(|| ConfigError { var, message: "required when TROVE_S3_BUCKET is set".into() })
    };
    let endpoint = get("TROVE_S3_ENDPOINT");
    if let Some(endpoint) = &endpoint
        && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
    {
        return Err(ConfigError { var: "TROVE_S3_ENDPOINT", message: "expected an http(s):// URL".into() });
    }
    Ok(Some(S3Config {
        bucket,
        region: get("TROVE_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        endpoint,
        access_key_id: required("TROVE_S3_ACCESS_KEY_ID")?,
        secret_access_key: SecretString::from(required("TROVE_S3_SECRET_ACCESS_KEY")?),
    }))
}

fn stripe_config(get: &impl Fn(&str) -> Option<String>) -> Result<Option<StripeConfig>, ConfigError> {
    let (Some(secret_key), publishable_key, webhook_secret) =
        (get("STRIPE_SECRET_KEY"), get("STRIPE_PUBLISHABLE_KEY"), get("STRIPE_WEBHOOK_SECRET"))
    else {
        return Ok(None);
    };
    let Some(publishable_key) = publishable_key else {
        return Err(ConfigError {
            var: "STRIPE_PUBLISHABLE_KEY",
            message: "required when STRIPE_SECRET_KEY is set".into(),
        });
    };
    let Some(webhook_secret) = webhook_secret else {
        return Err(ConfigError {
            var: "STRIPE_WEBHOOK_SECRET",
            message: "required when STRIPE_SECRET_KEY is set".into(),
        });
    };
    let url = |var: &'static str, default: &str| -> Result<String, ConfigError> {
        let value = get(var).unwrap_or_else(|| default.to_owned());
        if !(value.starts_with("https://") || value.starts_with("http://")) {
            return Err(ConfigError { var, message: "expected an http(s):// URL".into() });
        }
        Ok(if value.ends_with('/') { value } else { format!("{value}/") })
    };
    Ok(Some(StripeConfig {
        secret_key: SecretString::from(secret_key),
        publishable_key,
        webhook_secret: SecretString::from(webhook_secret),
        api_url: url("STRIPE_API_URL", "https://api.stripe.com/")?,
        js_url: url("STRIPE_JS_URL", "https://js.stripe.com/v3/")?,
    }))
}

fn parse<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let raw = get(var).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|_| ConfigError { var, message: format!("{expected}, got {raw:?}") })
}

/// A true-or-false variable (`true`/`1`, `false`/`0`), `default` when unset.
fn flag(get: &impl Fn(&str) -> Option<String>, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(var).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(ConfigError { var, message: "expected true or false".into() }),
    }
}

/// `$XDG_DATA_HOME/trove/media`, falling back to `~/.local/share/trove/media`.
fn default_media_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("trove/media")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn nothing_set_gives_the_embedded_set_up() {
        let config = config(&[]).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(config.currency, "USD");
    }

    #[test]
    fn api_rate_limits_default_and_refuse_nonsense_by_name() {
        let config = config(&[]).unwrap();
        assert_eq!((config.api_token_rate, config.api_anonymous_rate), (600, 120));
        assert_eq!(config_rate("TROVE_API_TOKEN_RATE", "5000").unwrap().api_token_rate, 5000);
        for bad in ["0", "-1", "lots"] {
            assert_eq!(config_rate("TROVE_API_ANONYMOUS_RATE", bad).unwrap_err().var, "TROVE_API_ANONYMOUS_RATE");
        }
    }

    fn config_rate(var: &str, value: &str) -> Result<Config, ConfigError> {
        config(&[(var, value)])
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let error = config(&[("TROVE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(error.var, "TROVE_ADDR");
        assert!(error.to_string().contains("TROVE_ADDR"), "{error}");
    }

    #[test]
    fn a_non_postgres_database_url_is_refused() {
        assert_eq!(config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var, "DATABASE_URL");
    }

    #[test]
    fn pool_size_must_be_a_sane_number() {
        assert_eq!(config(&[("DATABASE_MAX_CONNECTIONS", "0")]).unwrap_err().var, "DATABASE_MAX_CONNECTIONS");
        assert_eq!(config(&[("DATABASE_MAX_CONNECTIONS", "lots")]).unwrap_err().var, "DATABASE_MAX_CONNECTIONS");
    }

    #[test]
    fn currency_and_log_format_are_checked() {
        assert_eq!(config(&[("TROVE_CURRENCY", "dollars")]).unwrap_err().var, "TROVE_CURRENCY");
        assert_eq!(config(&[("TROVE_CURRENCY", "eur")]).unwrap().currency, "EUR");
        assert_eq!(config(&[("TROVE_LOG_FORMAT", "xml")]).unwrap_err().var, "TROVE_LOG_FORMAT");
    }

    #[test]
    fn the_public_url_is_an_origin_and_decides_secure_cookies() {
        let local = config(&[]).unwrap();
        assert_eq!(local.public_url, "http://127.0.0.1:3000");
        assert!(!local.secure_cookies());
        let public = config(&[("TROVE_PUBLIC_URL", "https://shop.example.com/")]).unwrap();
        assert_eq!(public.public_url, "https://shop.example.com");
        assert!(public.secure_cookies());
        assert_eq!(config(&[("TROVE_PUBLIC_URL", "shop.example.com")]).unwrap_err().var, "TROVE_PUBLIC_URL");
        assert_eq!(
            config(&[("TROVE_PUBLIC_URL", "https://shop.example.com/store")]).unwrap_err().var,
            "TROVE_PUBLIC_URL"
        );
    }

    #[test]
    fn mail_settings_are_checked() {
        assert_eq!(config(&[("SMTP_URL", "http://mail")]).unwrap_err().var, "SMTP_URL");
        assert!(config(&[("SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap().smtp_url.is_some());
        assert_eq!(config(&[("TROVE_MAIL_FROM", "nobody")]).unwrap_err().var, "TROVE_MAIL_FROM");
        assert_eq!(config(&[("TROVE_TRUST_PROXY", "maybe")]).unwrap_err().var, "TROVE_TRUST_PROXY");
        assert_eq!(config(&[("TROVE_SHARED_PAGES", "sometimes")]).unwrap_err().var, "TROVE_SHARED_PAGES");
        assert!(config(&[]).unwrap().shared_pages && !config(&[("TROVE_SHARED_PAGES", "0")]).unwrap().shared_pages);
    }

    #[test]
    fn shipping_and_unpaid_order_settings_are_checked() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.shipping_fee.to_string(), "4.90");
        assert_eq!(defaults.free_shipping_from.map(|d| d.to_string()).as_deref(), Some("50.00"));
        assert_eq!(defaults.unpaid_order_minutes, 30);
        assert!(config(&[("TROVE_FREE_SHIPPING_FROM", "none")]).unwrap().free_shipping_from.is_none());
        assert_eq!(config(&[("TROVE_SHIPPING_FEE", "-1")]).unwrap_err().var, "TROVE_SHIPPING_FEE");
        assert_eq!(config(&[("TROVE_SHIPPING_FEE", "4.999")]).unwrap_err().var, "TROVE_SHIPPING_FEE");
        assert_eq!(config(&[("TROVE_UNPAID_ORDER_MINUTES", "0")]).unwrap_err().var, "TROVE_UNPAID_ORDER_MINUTES");
    }

    #[test]
    fn stripe_needs_all_three_keys_and_keeps_them_secret() {
        assert!(defaults_have_no_stripe());
        assert_eq!(config(&[("STRIPE_SECRET_KEY", "sk_test_1")]).unwrap_err().var, "STRIPE_PUBLISHABLE_KEY");
        let stripe = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_hidden"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_hidden"),
            ("STRIPE_JS_URL", "http://localhost:8420/js.stripe.com/v3/"),
        ])
        .unwrap();
        let stripe_config = stripe.stripe.as_ref().unwrap();
        assert_eq!(stripe_config.js_origin(), "http://localhost:8420");
        assert_eq!(stripe_config.api_origin(), "https://api.stripe.com");
        let printed = format!("{stripe:?}");
        assert!(!printed.contains("sk_test_hidden") && !printed.contains("whsec_hidden"), "{printed}");
    }

    fn defaults_have_no_stripe() -> bool {
        config(&[]).unwrap().stripe.is_none()
    }

    #[test]
    fn a_media_bucket_needs_its_keys_and_keeps_the_secret() {
        assert!(config(&[]).unwrap().s3.is_none());
        assert_eq!(config(&[("TROVE_S3_BUCKET", "media")]).unwrap_err().var, "TROVE_S3_ACCESS_KEY_ID");
        let bucket = [
            ("TROVE_S3_BUCKET", "media"),
            ("TROVE_S3_ACCESS_KEY_ID", "AKIA1"),
            ("TROVE_S3_SECRET_ACCESS_KEY", "s3-hidden"),
        ];
        let with_endpoint = |endpoint| {
            let mut vars = bucket.to_vec();
            vars.push(("TROVE_S3_ENDPOINT", endpoint));
            config(&vars)
        };
        assert_eq!(with_endpoint("minio:9000").unwrap_err().var, "TROVE_S3_ENDPOINT");
        let s3 = config(&bucket).unwrap();
        assert_eq!(s3.s3.as_ref().map(|s| s.region.as_str()), Some("us-east-1"));
        assert!(!format!("{s3:?}").contains("s3-hidden"));
    }

    #[test]
    fn the_database_password_never_prints() {
        let config = config(&[("DATABASE_URL", "postgres://u:hunter2@db/x")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
