// pythreading/threading.hpp: the whole library (Python's `import threading`, plus logging).
#pragma once

#include "pythreading/errors.hpp"
#include "pythreading/foreign.hpp"
#include "pythreading/local.hpp"
#include "pythreading/logging.hpp"
#include "pythreading/output.hpp"
#include "pythreading/sync.hpp"
#include "pythreading/thread.hpp"
#include "pythreading/timer.hpp"
#include "pythreading/warnings.hpp"
