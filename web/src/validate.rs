//! `stepd validate FILE...`: human or JSON reports of every diagnostic, with AWS's codes and locations.

use clap::Args as ClapArgs;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use stepd_asl::{Diagnostic, MAX_DEFINITION_BYTES, Options, Severity};

#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Definition files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON object per file, shaped like ValidateStateMachineDefinition's response.
    #[arg(long)]
    json: bool,
    /// Check as an EXPRESS state machine (refuses activities, `.sync` and `.waitForTaskToken`).
    #[arg(long)]
    express: bool,
}

/// One file's result, in the shape of AWS's `ValidateStateMachineDefinition` output plus the file name.
#[derive(Serialize)]
struct FileReport<'a> {
    file: String,
    result: &'static str,
    diagnostics: &'a [Diagnostic],
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let options = Options {
        express: args.express,
    };
    let (mut invalid, mut io_error) = (false, false);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for file in &args.files {
        let name = file.display().to_string();
        let bytes = match read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{name}: error: {e}");
                io_error = true;
                continue;
            }
        };
        let mut report = stepd_asl::validate_bytes(&bytes, options);
        if let Some(def) = &report.definition {
            // What a `stepd serve` runs (its clusters aside, which its configuration names).
            let shipped: Vec<std::sync::Arc<dyn stepd_adapter::Adapter>> = vec![
                std::sync::Arc::new(stepd_adapter_http::HttpInvoke::new()),
                std::sync::Arc::new(stepd_adapter::ClusterTasks::new([])),
            ];
            let warnings = stepd_runtime::unrun_resources(def, &shipped);
            report.diagnostics.extend(warnings);
        }
        let valid = report.is_valid();
        invalid |= !valid;
        let written = if args.json {
            let r = FileReport {
                file: name,
                result: if valid { "OK" } else { "FAIL" },
                diagnostics: &report.diagnostics,
            };
            serde_json::to_string(&r)
                .map_err(std::io::Error::other)
                .and_then(|s| writeln!(out, "{s}"))
        } else {
            human(&mut out, &name, &report)
        };
        if written.is_err() {
            return ExitCode::from(2);
        }
    }
    if io_error {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn human(out: &mut impl Write, name: &str, report: &stepd_asl::Report) -> std::io::Result<()> {
    if let Some(def) = &report.definition {
        writeln!(out, "{name}: valid ({} states)", def.state_count())?;
    }
    for d in &report.diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match (d.line, d.column, &d.location) {
            (Some(l), Some(c), _) => {
                writeln!(out, "{name}:{l}:{c}: {severity}: {}: {}", d.code, d.message)?
            }
            (_, _, Some(loc)) => writeln!(
                out,
                "{name}: {severity}: {}: {} at {loc}",
                d.code, d.message
            )?,
            _ => writeln!(out, "{name}: {severity}: {}: {}", d.code, d.message)?,
        }
    }
    Ok(())
}

/// Reads at most one byte more than the size limit, so a huge file is reported rather than slurped.
fn read(file: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = (MAX_DEFINITION_BYTES + 1) as u64;
    if file.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(file)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}
