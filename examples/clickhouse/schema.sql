-- SPDX-License-Identifier: GPL-3.0-or-later
-- The ClickHouse schema of mxtrace (version 2), as `mxtrace export clickhouse` creates it in
-- database mxtrace (--database). Written from schema_sql() in src/store/clickhouse.cpp; see
-- ARCHITECTURE.md "ClickHouse" for the keys and how rows are replaced and deleted.

CREATE DATABASE IF NOT EXISTS `mxtrace`;

CREATE TABLE IF NOT EXISTS `mxtrace`.mxtrace_meta (key String, value String) ENGINE = TinyLog;

CREATE TABLE IF NOT EXISTS `mxtrace`.transactions (
  host String, queue_id String, first_us Int64, last_us Int64,
  day Date,                    -- UTC day of last_us: the partition
  local_id Int64,              -- the transaction's ID in the index that exported it
  version UInt64,              -- when it was exported (UTC µs): the newest row wins
  mta String, sender Nullable(String), client_name String, client_ip String, sasl_username String,
  helo String, message_id String, size Int64, nrcpt Int32, complete UInt8, headless UInt8,
  notification_queue_id String, verdict String,
  a_time_us Array(Int64), a_recipient Array(String), a_orig_recipient Array(String), a_relay Array(String),
  a_status Array(String), a_dsn Array(String), a_delay Array(Float64), a_text Array(String),
  a_queued_as Array(String), a_code Array(String),
  s_host String, s_from String, s_from_domain String, s_to Array(String), s_to_domain Array(String),
  s_client Array(String), s_relay Array(String), s_status Array(String),  -- search keys, normalised as the Xapian terms
  s_ip String,                 -- client address: 16 bytes (IPv4-mapped IPv6) in hex, '' if none; CIDR = a range
  l_seq Array(Int32), l_rule Array(String), l_kind Array(String), l_next_qid Array(String),
  l_relay_name Array(String), l_relay_addr Array(String), l_time_us Array(Int64), l_attempt Array(Int32)
                               -- its hop links, as the local hop table keeps them
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(day)
ORDER BY (host, queue_id, first_us);

CREATE TABLE IF NOT EXISTS `mxtrace`.links (  -- the hop links again, found by the next hop's queue ID
  next_qid String, host String, queue_id String, first_us Int64, seq Int32,
  day Date,                    -- the day (partition) of the transaction it leaves from
  local_id Int64, version UInt64,
  rule String, kind String, relay_name String, relay_addr String, time_us Int64, attempt Int32
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(day)
ORDER BY (next_qid, host, queue_id, first_us, seq);

INSERT INTO `mxtrace`.mxtrace_meta (key, value) VALUES ('schema_version', '2');
