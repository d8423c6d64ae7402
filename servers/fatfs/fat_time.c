/*
 * FAT timestamps (fatgen103 §6: date = (year - 1980) << 9 | month << 5 | day; time = hour << 11 | minute << 5 |
 * seconds / 2). Wren keeps UTC, so the volume's "local time" is UTC. Days to a civil date by the usual
 * era-of-400-years arithmetic on the proleptic Gregorian calendar.
 */
#include "fat.h"

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fat_time_from_unix(int64_t secs, uint16_t *date, uint16_t *time)
{
    if (secs < 315532800) /* before 1980-01-01, or unknown: the epoch of FAT */
        secs = 315532800;
    int64_t days = secs / 86400, rem = secs % 86400;
    days += 719468;
    int64_t era = days / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    if (y > 2107) { /* the last date FAT can hold */
        y = 2107, m = 12, d = 31, rem = 86399;
    }
    *date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
    *time = (uint16_t)((rem / 3600) << 11 | ((rem / 60) % 60) << 5 | (rem % 60) / 2);
}

int64_t fat_time_to_unix(uint16_t date, uint16_t time)
{
    int y = 1980 + (date >> 9), m = (date >> 5) & 15, d = date & 31;
    if (m < 1 || m > 12 || d < 1)
        return 0; /* no valid date recorded */
    int64_t s = days_from_civil(y, m, d) * 86400;
    return s + (time >> 11) * 3600 + ((time >> 5) & 63) * 60 + (time & 31) * 2;
}
