# Hosts a librdkafka mock cluster (one broker) in this process, outside any streamrec process,
# through the system librdkafka (the one streamrec links). Creates the topics a group `g` uses,
# PARTITIONS each (default 16: the mock keeps only about 5 MiB per partition and drops older
# message sets, so more partitions keep the changelog and the item-updates log whole), writes
# the bootstrap servers to boot.txt in the working directory, and waits until killed.
#   mock.py [PARTITIONS]
import ctypes, sys, time

rd = ctypes.CDLL('librdkafka.so.1')
rd.rd_kafka_conf_new.restype = ctypes.c_void_p
rd.rd_kafka_new.restype = ctypes.c_void_p
rd.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
rd.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
rd.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
rd.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
rd.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
rd.rd_kafka_mock_topic_create.restype = ctypes.c_int
rd.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]

errstr = ctypes.create_string_buffer(512)
handle = rd.rd_kafka_new(0, rd.rd_kafka_conf_new(), errstr, 512)  # a producer handle to host the cluster
if not handle:
    sys.exit(f"rd_kafka_new: {errstr.value.decode()}")
cluster = rd.rd_kafka_mock_cluster_new(handle, 1)
if not cluster:
    sys.exit("rd_kafka_mock_cluster_new failed")
boot = rd.rd_kafka_mock_cluster_bootstraps(cluster).decode()
partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 16
topics = {'in': partitions, 'out': partitions, 'dlq': 1, 'g.state': partitions, 'g.item-updates': partitions, 'g.models': 1}
for topic, count in topics.items():
    err = rd.rd_kafka_mock_topic_create(cluster, topic.encode(), count, 1)
    if err:
        sys.exit(f"creating {topic}: error {err}")
print('mock cluster at', boot, topics, flush=True)
open('boot.txt', 'w').write(boot)
while True:
    time.sleep(1)
