// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: the simulation (class Sim). Its members are defined in sim.cpp (set-up, helpers, the
// main loop), postfix.cpp, mailbox.cpp, sendmail.cpp (the line writers of each MTA),
// traffic.cpp (the kinds of messages), rotate.cpp (files and rotation), truth.cpp.
#include "civil.hpp"
#include "model.hpp"
#include "names.hpp"
#include "random.hpp"
#include "writer.hpp"

namespace mxgen {

/// The simulation: arrivals in time order, each message's lines on every host it crosses, the
/// hosts' lines written in time order into rotated files, the truth record of each message.
class Sim {
public:
    /// Creates the hosts' directories, the populations and DIR/truth.jsonl.
    explicit Sim(const Options& o) : o_(o), rng_(o.seed), writer_(o.gzip_level) {
        periods_ = (o_.days + o_.rotate_days - 1) / o_.rotate_days;
        make_hosts();
        make_population();
        truth_ = std::fopen((o_.out / "truth.jsonl").c_str(), "wb");
        if (!truth_) die(fmt::format("cannot write {}", (o_.out / "truth.jsonl").string()));
    }

    /// Simulates every message and writes every line (call finish_output() after).
    void run();

private:
    [[noreturn]] static void die(const std::string& m) {
        fmt::print(stderr, "mxtrace-gen: {}\n", m);
        std::exit(1);
    }

    // --- set-up -------------------------------------------------------------------------------
    void make_hosts();

    void make_population();

    static std::string ip_of(std::uint64_t h);

    std::string ext_user(int dom);

    int ext_domain() { return static_cast<int>((*ext_zipf_)(rng_)); }
    std::size_t int_user() { return (*int_zipf_)(rng_); }

    std::string forward_address(std::size_t user);

    // --- log lines ----------------------------------------------------------------------------
    int pid(Host& h);

    void emit(int host, std::int64_t t, Hop* hop, std::string_view prog, int p, std::string_view msg);

    std::string pf_qid(Host& h, std::int64_t t);

    std::string sm_qid(Host& h, std::int64_t t, int p);

    Hop& new_hop(Record& r, int host, std::string qid);

    Record& new_record(std::string kind, std::int64_t parent);

    std::string rand_token(std::size_t n, std::string_view alphabet);

    std::string tls_line(std::string_view who);

    // --- Postfix ------------------------------------------------------------------------------

    /// An SMTP client as smtpd logs it.
    struct Client {
        std::string name; // "unknown" without reverse DNS
        std::string ip;
        bool internal = false;
    };

    /// smtpd receives a message: [postscreen], connect, client=, cleanup, qmgr, disconnect.
    /// Returns the time of qmgr's "queue active" line; `hop` gets the new queue ID.
    std::int64_t pf_receive(int host, std::int64_t t, const Client& c, std::string_view smtpd, bool postscreen,
                            const Env& env, std::size_t nrcpt, Hop& hop);

    std::string relay_of(const Group& g) const;

    static std::string_view program_of(Route r);

    std::string delays(std::int64_t total, std::int64_t queued_part);

    /// The remote's 250 reply for an outside domain.
    std::string remote_ok(const ExtDomain& d, std::string_view msgid);

    /// Delivers a queued Postfix message: attempts in rounds (every recipient not yet done is tried
    /// in each round, Postfix's backoff between rounds), expiry after the queue lifetime, the
    /// non-delivery notification, "removed". Next hops on our hosts are simulated as they are
    /// reached. `t_active` is the time of the first "queue active" line.
    void pf_deliver(int host, Hop& hop, Record& rec, std::int64_t t_active, const Env& env, std::vector<Group> groups,
                    std::size_t nrcpt);

    static std::vector<Group> g_vec(Group g);

    int domain_index(std::string_view addr) const;

    /// Content filter: the message comes back through postfix/10025/smtpd as a new queue ID
    /// and goes on to mbox. Returns the new queue ID.
    std::string amavis_hop(int host, std::int64_t t, Record& rec, const Env& env, const std::string& parent_qid,
                           const std::vector<std::string>& rcpt, const std::vector<std::string>& top);

    int amavis_pid_(int host) { return 3000 + host * 7 + static_cast<int>(rec_count_ / 1000 % 50); }

    /// The mail store receives from an MX and delivers: lmtp for its users, smtp to the outside
    /// for users who forward. Returns the new queue ID.
    std::string mbox_hop(int from_host, std::int64_t t, Record& rec, const Env& env, const std::vector<std::string>& rcpt,
                         const std::vector<std::string>& top);

    /// A message arriving at an MX (from the Internet or from the Sendmail relay).
    /// Returns the MX queue ID.
    std::string mx_hop(int mx, std::int64_t t, Record& rec, const Env& env, const Client& c,
                       const std::vector<std::string>& rcpt, const std::vector<std::string>& top);

    // --- Sendmail -----------------------------------------------------------------------------

    /// The Sendmail relay accepted a message from a workstation: from=, then deliveries in queue
    /// runs (Deferred: ... then Sent), DSN for bounced recipients.
    void sm_deliver(Hop& hop, Record& rec, int conn_pid, const Env& env, std::vector<SmGroup> groups,
                    std::int64_t pri, bool dsn_known_sender);

    static std::string join_angle(const std::vector<std::string>& v);

    // --- messages -----------------------------------------------------------------------------

    std::size_t rcpt_count();

    std::int64_t msg_size();

    std::string msgid_for(std::string_view domain, std::int64_t t);

    /// A message from the Internet to our users, through mx1 or mx2 to the mail store.
    void inbound(std::int64_t t);

    /// A message of a workstation sent out through the Sendmail relay.
    void outbound(std::int64_t t);

    /// A spammer tries to relay through the Sendmail host: the session's queue ID carries a reject.
    void relay_reject(std::int64_t t);

    /// A client rejected before queueing (no transaction): postscreen DNSBL or smtpd NOQUEUE.
    void noqueue_reject(int mx, std::int64_t t);

    /// Daily cron mail to root: Postfix pickup + local, or Sendmail's MSP + MTA.
    void cron_mail(int host, std::int64_t t);

    /// Other programs' lines and the daily cron mail, for the hour starting at `hour`.
    void noise_hour(std::int64_t hour);

    // --- output -------------------------------------------------------------------------------

    int period_of(std::int64_t t) const;

    void open_period(Host& h, int p);

    void write_line(Host& h, const Line& l);

    /// Writes every line logged before `t` (no later message can log earlier than its arrival).
    void flush_before(std::int64_t t);

    void write_records();

    static void json_str(std::string& o, std::string_view s);

    /// One truth line: {"id","kind","parent","sender","message_id","recipients","final",
    /// "hops":[{"host","mta","queue_id","first_us","first_time","last_us","sender","message_id",
    /// "recipients":{rcpt:status},"notification"}]}. "sender" null = not logged; "" = <>.
    void write_record(const Record& r);

    std::vector<std::int64_t> arrivals();

    const Options& o_;
    Rng rng_;
    Writer writer_;
    int periods_ = 1;
    std::array<Host, kHosts> hosts_;
    std::vector<std::string> internal_;
    std::vector<int> forward_;
    std::unique_ptr<Zipf> int_zipf_, ext_zipf_, ws_zipf_;
    std::vector<Zipf> user_zipf_;
    std::vector<ExtDomain> ext_;
    std::unordered_map<std::string, int> ext_index_;
    std::unordered_map<std::string, std::size_t> internal_index_;
    std::vector<std::unique_ptr<Record>> pending_records_;
    std::FILE* truth_ = nullptr;
    std::uint64_t seq_ = 0, next_record_ = 1, rec_count_ = 0, msg_counter_ = 0, qid_collisions_ = 0;

public:
    /// Counts for the summary.
    std::uint64_t records() const { return rec_count_; }
    std::uint64_t qid_collisions() const { return qid_collisions_; }
    const std::array<Host, kHosts>& hosts() const { return hosts_; }
    /// Closes the last files, waits for the writer thread and closes truth.jsonl.
    void finish_output();
};

} // namespace mxgen
