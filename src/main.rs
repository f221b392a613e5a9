//! The `trove` binary: `serve` (the default), `migrate`, `seed`.

use std::io::BufRead;

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use trove::account::Role;
use trove::account::setup::{self, NewUser, Outcome};
use trove::{config::Config, seed, startup, telemetry};

/// Server rendering allocates many short-lived strings; measured with
/// `scripts/bench`, glibc's allocator took over a quarter of the CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "trove", about = "A self-hosted web store", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the store (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo shop; idempotent. With --products N, also add N synthetic products.
    Seed {
        /// How many synthetic products to add, for benchmarks.
        #[arg(long)]
        products: Option<u32>,
    },
    /// Make USERNAME an admin, creating the account if it does not exist. A
    /// new account's password is read from TROVE_ADMIN_PASSWORD or, if that is
    /// unset, from the first line of standard input.
    CreateAdmin {
        username: String,
        /// Email of a new account.
        #[arg(long)]
        email: Option<String>,
        #[arg(long, default_value = "Store")]
        first_name: String,
        #[arg(long, default_value = "Admin")]
        last_name: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A missing .env is normal; only development uses one.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("trove: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("trove: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let state = startup::build_state(config)?;
    match command {
        Command::Serve => {
            trove::db::migrate(&state.pool).await?;
            trove::account::session::spawn_cleanup(state.pool.clone());
            trove::mail::spawn_sender(state.pool.clone(), &state.config)?;
            trove::orders::service::spawn_sweeper(state.clone());
            trove::chat::service::spawn_reminders(state.clone());
            startup::serve(state).await?;
        }
        Command::Migrate => {
            trove::db::migrate(&state.pool).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed { products } => {
            trove::db::migrate(&state.pool).await?;
            seed::demo(&state.pool, &state.config).await?;
            seed::demo_promos(&state.pool).await?;
            setup::demo_users(&state.pool).await.map_err(|e| format!("demo users: {e}"))?;
            if let Some(count) = products {
                seed::synthetic(&state.pool, &state.config, count).await?;
            }
        }
        Command::CreateAdmin { username, email, first_name, last_name } => {
            trove::db::migrate(&state.pool).await?;
            create_admin(&state.pool, &username, email.as_deref(), &first_name, &last_name).await?;
        }
    }
    Ok(())
}

async fn create_admin(
    pool: &sqlx::PgPool,
    username: &str,
    email: Option<&str>,
    first_name: &str,
    last_name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let exists = trove::account::db::user_by_username(pool, username).await?.is_some();
    let password = if exists {
        None
    } else {
        if email.is_none() {
            return Err(format!("no user {username:?} exists; give --email to create one").into());
        }
        let password = match std::env::var("TROVE_ADMIN_PASSWORD") {
            Ok(password) if !password.is_empty() => password,
            _ => {
                eprintln!("Password for the new admin {username:?} (one line on standard input):");
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            }
        };
        Some(SecretString::from(password))
    };
    let user = NewUser { username, email: email.unwrap_or_default(), first_name, last_name, role: Role::Admin };
    match setup::ensure_user(pool, &user, password).await {
        Ok(Outcome::Created(_)) => println!("created admin {username}"),
        Ok(Outcome::Promoted(_)) => println!("{username} is now an admin"),
        Err(error) => {
            let detail = match &error {
                trove::error::AppError::Validation(fields) => {
                    fields.iter().map(|(field, message)| format!("{field}: {message}")).collect::<Vec<_>>().join("; ")
                }
                other => other.to_string(),
            };
            return Err(detail.into());
        }
    }
    Ok(())
}
