"""The L1 processing's flagFT2 step (public Fermi L1 processing code, ``flagFT2.py``) transcribed
loop for loop: the reference the portal's flagging is tested against."""


def flagft2_bad_range(start, stop, quality, i_start, i_stop, new_qual):
    """flagFT2.badRange, line for line."""
    f_start, f_stop = 9e9, 0e0
    if min(start) > i_stop or max(stop) < i_start:
        raise ValueError("These don't overlap!")
    for b, (bin_start, bin_stop) in enumerate(zip(start, stop, strict=True)):
        if not (bin_start >= i_stop or bin_stop <= i_start):
            quality[b] = new_qual
            f_start = min(f_start, bin_start)
            f_stop = max(f_stop, bin_stop)
    return (f_start, f_stop), new_qual


def flagft2(one, thirty, ranges):
    """flagFT2.flagFT2 / baddify on the two tables: 30-s first, then the 1-s bins of that span."""
    new_ranges = []
    for (i_start, i_stop), qual in ranges:
        new_range = flagft2_bad_range(*thirty, i_start, i_stop, qual)
        range1 = flagft2_bad_range(*one, *new_range[0], qual)
        if range1 != new_range:
            raise ValueError("1-second ranges did not correctly aggregate to 30-second ranges!")
        new_ranges.append(range1)
    return new_ranges
