//! The init phase's first step, as in k6: evaluate the script once for its exported
//! options, then consolidate them with the config file, the environment and the flags.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::unbounded;

use super::shared::make_shared;
use super::{RunError, RunRequest, exit};
use crate::js::console;
use crate::js::runtime::AbortReason;
use crate::js::vu::{ScriptError, Vu};
use crate::metrics::registry::{Registry, ThresholdIndex};
use crate::options::{Layer, Options, apply_layer};

pub(super) type SharedArrays = HashMap<String, Arc<crate::js::modules::data::Slot>>;

/// What evaluating the script once for its options leaves behind for the real run: the files
/// and sources it read and the SharedArrays it built, so none of them is read or built twice.
pub(super) struct ScriptPreload {
    pub(super) options: Option<serde_json::Value>,
    pub(super) files: HashMap<PathBuf, Arc<[u8]>>,
    pub(super) sources: HashMap<PathBuf, Arc<str>>,
    pub(super) shared_arrays: SharedArrays,
}

/// Reads the script's exported options by evaluating it once in a throwaway VU, as k6 does.
pub(super) fn read_script_options(
    req: &RunRequest,
    tokio: tokio::runtime::Handle,
) -> Result<ScriptPreload, RunError> {
    let options = Arc::new(Options::from_raw(Layer::new()).map_err(|e| RunError::config(e.0))?);
    let registry = Arc::new(Registry::new(ThresholdIndex::default()));
    let (tx, _rx) = unbounded();
    let (abort_tx, _abort_rx) = unbounded();
    let shared = make_shared(
        req,
        options,
        registry,
        tx,
        abort_tx,
        tokio,
        HashMap::new(),
        HashMap::new(),
    )?;
    let shared2 = shared.clone();
    let result = std::thread::Builder::new()
        .name("options".into())
        .stack_size(8 * 1024 * 1024)
        .spawn(move || -> Result<Option<serde_json::Value>, ScriptError> {
            let mut vu = Vu::new(shared2, 0)?;
            vu.options_json()
        })
        .map_err(|e| RunError::config(format!("cannot start a thread: {e}")))?
        .join()
        .map_err(|_| RunError {
            code: exit::SCRIPT_EXCEPTION,
            message: "the script's init code crashed the engine".into(),
            hint: None,
        })?;
    let opts = match result {
        // k6 runs an archive with the options it recorded, not the script's.
        Ok(_) if req.archive.is_some() => req.archive.as_ref().map(|a| a.metadata.options.clone()),
        Ok(o) => o,
        // exec.test.abort() in the init code: already reported, exit 108.
        Err(_) if matches!(*shared.abort.lock(), Some(AbortReason::ScriptAbort(_))) => {
            return Err(RunError::reported(exit::SCRIPT_ABORTED));
        }
        Err(e) => return Err(RunError::script(e)),
    };
    let files = shared.files.lock().clone();
    let sources = shared.sources.lock().clone();
    // SharedArrays built while reading options are kept, so their functions run once per test.
    let shared_arrays = shared.shared_arrays.lock().clone();
    Ok(ScriptPreload {
        options: opts,
        files,
        sources,
        shared_arrays,
    })
}

/// Consolidates options: config file < script < env < flags.
pub fn consolidate(
    req: &RunRequest,
    script_options: Option<serde_json::Value>,
) -> Result<Options, RunError> {
    let mut merged = Layer::new();
    if let Some(serde_json::Value::Object(file)) = &req.config_file {
        let mut file = file.clone();
        file.remove("collectors");
        file.remove("ext");
        apply_layer(&mut merged, &file);
    }
    match script_options {
        Some(serde_json::Value::Object(o)) => {
            let mut o = crate::options::canonical_option_keys(o);
            if let Some(key) = crate::options::first_unknown_script_option(o.keys()) {
                crate::js::console::log(
                    crate::js::console::Level::Warn,
                    "There were unknown fields in the options exported in the script",
                    &[("error", &format!("json: unknown field \"{key}\""))],
                );
            }
            // Not a script option in k6: only `--local-ips`/`K6_LOCAL_IPS` set it.
            o.remove("localIPs");
            check_script_options(req, &o)?;
            warn_if_scenarios_overridden(&merged, &o, "script");
            apply_layer(&mut merged, &o)
        }
        Some(serde_json::Value::Null) | None => {}
        Some(other) => {
            return Err(RunError::config(format!(
                "the exported options must be an object, got {other}"
            )));
        }
    }
    let env_layer = crate::options::layer_from_env(&req.env).map_err(|e| RunError::config(e.0))?;
    warn_if_scenarios_overridden(&merged, &env_layer, "env");
    apply_layer(&mut merged, &env_layer);
    warn_if_scenarios_overridden(&merged, &req.cli_layer, "cli");
    apply_layer(&mut merged, &req.cli_layer);
    // --no-thresholds: nothing evaluates them, but the JSON output still describes them.
    let unevaluated = if req.no_thresholds {
        merged.remove("thresholds")
    } else {
        None
    };
    if let Some(warning) = crate::options::ignored_vus_warning(&merged) {
        console::warn(&warning);
    }
    let mut options = Options::from_raw(merged).map_err(|e| RunError::config(e.0))?;
    if let Some(t) = unevaluated {
        options.thresholds = t;
    }
    Ok(options)
}

fn warn_if_scenarios_overridden(lower: &Layer, upper: &Layer, upper_name: &str) {
    if let Some(warning) = crate::options::scenarios_override_warning(lower, upper, upper_name) {
        console::warn(&warning);
    }
}

/// k6 reads the script's exported options when it loads the script: options that cannot be
/// read at all (an unknown executor, a value of the wrong type, a malformed duration) fail
/// there, with the script named, whatever the other layers say. Validation problems are
/// reported after all layers are merged.
fn check_script_options(
    req: &RunRequest,
    script: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), RunError> {
    let Err(e) = Options::from_raw(script.clone()) else {
        return Ok(());
    };
    let validation = [
        "There were problems",
        "using an execution",
        "`duration` option should be more than 0",
    ];
    if validation.iter().any(|v| e.0.starts_with(v)) {
        return Ok(());
    }
    let abs = std::fs::canonicalize(&req.script).unwrap_or_else(|_| req.script.clone());
    Err(RunError::config(format!(
        "could not initialize '{}': could not load JS test 'file://{}': {}",
        req.script.display(),
        abs.display(),
        e.0
    )))
}
