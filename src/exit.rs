//! Exit codes, decided once at the end of a run.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing found.
    Clean,
    /// Findings were reported; the code is 1 unless `--exit-code` says otherwise.
    Findings(u8),
    /// The run could not do its job: bad arguments, rules, output or roots.
    Error,
    /// Ctrl-C or SIGTERM stopped the run before it read everything.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Clean => 0,
            Exit::Findings(code) => i32::from(code),
            Exit::Error => 2,
            Exit::Interrupted => crate::interrupt::EXIT_CODE,
        }
    }

    /// The exit of a scan: an error wins over findings, findings over a clean run.
    pub fn of_scan(fatal_problem: bool, findings: usize, findings_code: u8) -> Exit {
        if fatal_problem {
            Exit::Error
        } else if findings > 0 {
            Exit::Findings(findings_code)
        } else {
            Exit::Clean
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Exit::of_scan(false, 0, 1).code(), 0);
        assert_eq!(Exit::of_scan(false, 3, 1).code(), 1);
        assert_eq!(Exit::of_scan(false, 3, 42).code(), 42);
        assert_eq!(Exit::of_scan(false, 3, 0).code(), 0);
        assert_eq!(Exit::of_scan(true, 3, 1).code(), 2);
        assert_eq!(Exit::of_scan(true, 0, 1).code(), 2);
    }
}
