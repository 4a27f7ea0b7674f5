// libmodsecurity's C API; the headers are C++ aware and expose plain C under a C compiler.
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <modsecurity/intervention.h>
