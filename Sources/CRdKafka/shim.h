#ifndef STREAMREC_CRDKAFKA_SHIM_H
#define STREAMREC_CRDKAFKA_SHIM_H
// rdkafka.h must come before rdkafka_mock.h (the mock header checks for it).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
