//! The `trove` binary: `serve` (the default), `migrate`, `seed`.

use clap::{Parser, Subcommand};
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
            startup::serve(state).await?;
        }
        Command::Migrate => {
            trove::db::migrate(&state.pool).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed { products } => {
            trove::db::migrate(&state.pool).await?;
            seed::demo(&state.pool, &state.config).await?;
            if let Some(count) = products {
                seed::synthetic(&state.pool, &state.config, count).await?;
            }
        }
    }
    Ok(())
}
