/*
 * banned.h: functions whose misuse has burned C programs for decades.
 * Including this after the system headers turns each use into a compile
 * error (the idea is git's banned.h). Use snprintf, strtol with checks and
 * length-carrying buffers instead.
 */
#ifndef FOURC_BANNED_H
#define FOURC_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gets
#define gets(x) BANNED(gets)

#endif
