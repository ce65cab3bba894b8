#pragma once

namespace dcmflow::cli {

// The exit codes every dcmflow command keeps.
enum exit_code : int {
  exit_ok = 0,                       // everything done
  exit_items_failed = 1,             // some items failed; the others were done
  exit_usage = 2,                    // bad command line or job file
  exit_fatal = 3,                    // the run could not go on (output folder not writable...)
  exit_destination_unavailable = 4,  // a destination was given up (outage limit, refused us):
                                     // what needs it is pending; run again
  exit_stopped = 5,                  // `run` stopped on SIGTERM or Ctrl-C: items in flight finished, the
                                     // rest are pending; run again to go on
};

}  // namespace dcmflow::cli
