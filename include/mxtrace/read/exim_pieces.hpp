// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file exim_pieces.hpp
/// Exim through syslog splits an entry that is longer than its syslog limit, or that holds
/// newlines, into numbered pieces: "[1/3] text", "[2\3] text", "[3/3] text" (Exim src/log.c,
/// write_syslog()). The separator after the piece number is '\' when a newline followed the piece
/// in the entry and '/' when it was cut for length. EximPieces joins them back per host + pid.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mxtrace {

/// Joins Exim's numbered syslog pieces into the entry they came from. Not thread-safe.
class EximPieces {
public:
    enum class Result : std::uint8_t {
        whole,   ///< not a piece: `out` is the message itself
        held,    ///< a piece kept until the entry's last piece arrives
        joined,  ///< the last piece: `out` is the whole entry (valid until the next call)
    };

    /// Feeds the message of one "exim[pid]:" line logged by `host`. A piece that does not follow
    /// the one held for its host + pid (lost or out of order) discards what was held: those
    /// pieces are added to dropped() and the new piece starts again if it is a first piece
    /// (otherwise it is dropped too, and the result is `held` with nothing kept).
    Result feed(std::string_view host, std::string_view pid, std::string_view message, std::string_view& out);

    /// Pieces held now (waiting for the rest of their entry).
    std::uint64_t held() const noexcept { return held_; }

    /// Pieces discarded since the last call (a broken sequence), and resets the count.
    std::uint64_t take_dropped() noexcept { auto d = dropped_; dropped_ = 0; return d; }

    /// Discards every held piece: they are counted in take_dropped() (or take_dropped_restored()).
    void clear() noexcept;

    /// The pieces held now, as text for save_state() of a later run: an entry whose pieces end
    /// one run (a run that stops, or is killed, between them) is joined by the next.
    std::string save() const;

    /// Takes back what save() wrote (replacing what is held). Pieces taken back that are later
    /// discarded are counted in take_dropped_restored(), not take_dropped(): the run that read
    /// them counted them already. Text that is not save()'s is ignored (nothing is held).
    void load(std::string_view saved);

    /// Pieces of an earlier run discarded since the last call, and resets the count.
    std::uint64_t take_dropped_restored() noexcept { auto d = dropped_restored_; dropped_restored_ = 0; return d; }

    /// Splits "[i/n] text" or "[i\n] text" into its parts; false if `m` is not a piece.
    static bool split(std::string_view m, unsigned& i, char& sep, unsigned& n, std::string_view& text);

private:
    struct Entry {
        unsigned next = 0, total = 0, count = 0;
        unsigned restored = 0; // of count, pieces an earlier run read (load())
        bool newline = false;  // the previous piece ended at a newline
        std::string text;
    };
    std::unordered_map<std::string, Entry> open_;
    std::string joined_, key_;
    std::uint64_t held_ = 0, dropped_ = 0, dropped_restored_ = 0;
    void drop(const Entry& e) noexcept;
};

} // namespace mxtrace
