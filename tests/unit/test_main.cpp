// The unit tests of engine modules run under the process runtime dcmflow's programs set up
// in main (core/process_runtime.hpp): helpers are started only where SIGPIPE is ignored.

#include <gtest/gtest.h>

#include "core/process_runtime.hpp"

int main(int argc, char** argv) {
  dcmflow::set_up_process_runtime();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
