// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the mail store hop (mbox: Postfix to Dovecot over LMTP).
#include "sim.hpp"

namespace mxgen {

std::string Sim::mbox_hop(int from_host, std::int64_t t, Record& rec, const Env& env, const std::vector<std::string>& rcpt,
                     const std::vector<std::string>& top) {
    Hop& hop = new_hop(rec, MBOX, "");
    Env e2 = env;
    e2.size = env.size + 300 + static_cast<std::int64_t>(rng_.below(200));
    const std::int64_t t0 = t - rng_.range(300000, 900000);
    Client c{hosts_[from_host].fqdn, hosts_[from_host].ip, true};
    const std::int64_t t_active = pf_receive(MBOX, t0, c, "postfix/smtpd", false, e2, rcpt.size(), hop);
    Group local;
    local.route = Route::lmtp;
    std::vector<Group> groups;
    for (std::size_t i = 0; i < rcpt.size(); ++i) {
        auto it = internal_index_.find(rcpt[i]);
        const std::size_t user = it == internal_index_.end() ? 0 : it->second;
        if (it != internal_index_.end() && forward_[user] >= 0) {
            Group g;
            g.route = Route::smtp_ext;
            g.domain = forward_[user];
            g.rcpt = {forward_address(user)};
            g.orig = {rcpt[i]};
            g.top = {top[i]};
            const double u = rng_.unit();
            g.bounce = {static_cast<char>(u < 0.04)};
            if (u >= 0.04 && u < 0.07) g.expire = true;
            else if (u >= 0.07 && u < 0.25) g.defers = static_cast<int>(rng_.range(1, 10));
            groups.push_back(std::move(g));
        } else {
            local.rcpt.push_back(rcpt[i]);
            local.orig.emplace_back();
            local.top.push_back(top[i]);
            local.bounce.push_back(static_cast<char>(rng_.chance(0.01)));
        }
    }
    if (!local.rcpt.empty()) groups.insert(groups.begin(), std::move(local));
    pf_deliver(MBOX, hop, rec, t_active, e2, std::move(groups), rcpt.size());
    return hop.qid;
}


} // namespace mxgen
