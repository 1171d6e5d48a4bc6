//! `rk6 new [file]`: writes a commented starter script, as `k6 new` does (k6 v1.1.0's
//! messages and exit codes: 255 when the file exists without `--force`).

use std::io::Write as _;
use std::path::Path;

/// k6's minimal template, with comments that point at what to change first.
pub const TEMPLATE: &str = r#"import http from 'k6/http';
import { sleep, check } from 'k6';

// Options: how much load, for how long, and what counts as a pass.
// https://grafana.com/docs/k6/latest/using-k6/k6-options/
export const options = {
  // 10 virtual users loop over the default function for 30 seconds.
  vus: 10,
  duration: '30s',
  // The run fails (exit 99) when a threshold is crossed, e.g. a slow p(95).
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
  },
};

// Each VU runs this function over and over; one run is an iteration.
// To try it locally first: `rk6 target` serves a test target on http://127.0.0.1:8080.
export default function() {
  let res = http.get('https://quickpizza.grafana.com');
  check(res, { "status is 200": (res) => res.status === 200 });
  // Think time between iterations.
  sleep(1);
}
"#;

/// Creates `file`; the confirmation goes to standard output as k6 prints it.
pub fn create(file: &Path, force: bool) -> Result<(), String> {
    let shown = file.display();
    if file.exists() && !force {
        return Err(format!(
            "{shown} already exists. Use the `--force` flag to overwrite it"
        ));
    }
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(file)?;
        f.write_all(TEMPLATE.as_bytes())
    };
    write().map_err(|e| format!("open {shown}: {}", crate::go_strconv::os_error_text(&e)))?;
    crate::runner::print_stdout(&format!(
        "New script created: {shown} (minimal template).\n"
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_and_overwrites_only_with_force() {
        let dir = std::env::temp_dir().join(format!("rk6-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("script.js");
        create(&file, false).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TEMPLATE);
        let e = create(&file, false).unwrap_err();
        assert!(
            e.ends_with("already exists. Use the `--force` flag to overwrite it"),
            "{e}"
        );
        std::fs::write(&file, "x").unwrap();
        create(&file, true).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TEMPLATE);
        let e = create(&dir.join("no/such.js"), false).unwrap_err();
        assert!(e.ends_with("no such file or directory"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
