/*
 * sudo for the emulated servers: busybox has none, and the cloud images' login users (ubuntu,
 * admin) have passwordless sudo. Built static (`gcc -static`) by the HostPool and installed
 * setuid root into each server's root filesystem.
 *
 * Policy, as cloud-init writes it on the real images ("<user> ALL=(ALL) NOPASSWD:ALL"): members
 * of group `sudo` in the server's own /etc/group may run anything as any user, without a
 * password; everyone else is refused, as sudo refuses a user it has no rule for. Users and groups
 * are read from the server's own files (this runs inside the chroot), never through NSS.
 *
 *   sudo [-n] [-E] [-H] [-u user] [--] command [arg ...]
 *
 * -n (never prompt) and -H (HOME of the target user, sudo's default anyway) are accepted; -E
 * keeps the caller's environment. Otherwise the environment is reset as sudo's env_reset does:
 * TERM kept, PATH set to Debian's secure_path, HOME/USER/LOGNAME/SHELL of the target user, and
 * SUDO_USER/SUDO_UID/SUDO_GID/SUDO_COMMAND.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECURE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct user {
  char name[64];
  unsigned uid, gid;
  char home[256];
  char shell[256];
};

/* Finds a user in /etc/passwd by name, or by uid when name is NULL. */
static int find_user(const char *name, unsigned uid, struct user *out) {
  FILE *f = fopen("/etc/passwd", "r");
  char line[1024];
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    char *fields[7] = {0};
    char *p = line;
    line[strcspn(line, "\n")] = 0;
    for (int i = 0; i < 7 && p; i++) fields[i] = strsep(&p, ":");
    if (!fields[0] || !fields[2] || !fields[3]) continue;
    if (name ? strcmp(fields[0], name) != 0 : (unsigned)strtoul(fields[2], NULL, 10) != uid) continue;
    snprintf(out->name, sizeof out->name, "%s", fields[0]);
    out->uid = (unsigned)strtoul(fields[2], NULL, 10);
    out->gid = (unsigned)strtoul(fields[3], NULL, 10);
    snprintf(out->home, sizeof out->home, "%s", fields[5] ? fields[5] : "/");
    snprintf(out->shell, sizeof out->shell, "%s", fields[6] && *fields[6] ? fields[6] : "/bin/sh");
    fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

/* Whether the user belongs to group `sudo` (as a listed member or by primary group). */
static int in_sudo_group(const struct user *u) {
  FILE *f = fopen("/etc/group", "r");
  char line[4096];
  int yes = 0;
  if (!f) return 0;
  while (!yes && fgets(line, sizeof line, f)) {
    char *fields[4] = {0};
    char *p = line;
    line[strcspn(line, "\n")] = 0;
    for (int i = 0; i < 4 && p; i++) fields[i] = strsep(&p, ":");
    if (!fields[0] || strcmp(fields[0], "sudo") != 0) continue;
    if (fields[2] && (unsigned)strtoul(fields[2], NULL, 10) == u->gid) yes = 1;
    for (char *m = fields[3]; !yes && m;) {
      char *member = strsep(&m, ",");
      if (strcmp(member, u->name) == 0) yes = 1;
    }
  }
  fclose(f);
  return yes;
}

/* The target user's supplementary groups from /etc/group, for setgroups(). */
static int groups_of(const struct user *u, gid_t *out, int max) {
  FILE *f = fopen("/etc/group", "r");
  char line[4096];
  int n = 0;
  out[n++] = u->gid;
  if (!f) return n;
  while (n < max && fgets(line, sizeof line, f)) {
    char *fields[4] = {0};
    char *p = line;
    line[strcspn(line, "\n")] = 0;
    for (int i = 0; i < 4 && p; i++) fields[i] = strsep(&p, ":");
    if (!fields[2] || !fields[3]) continue;
    for (char *m = fields[3]; m;) {
      char *member = strsep(&m, ",");
      if (strcmp(member, u->name) == 0) {
        out[n++] = (gid_t)strtoul(fields[2], NULL, 10);
        break;
      }
    }
  }
  fclose(f);
  return n;
}

static void usage(void) {
  fprintf(stderr, "usage: sudo [-n] [-E] [-H] [-u user] [--] command [arg ...]\n");
  exit(1);
}

int main(int argc, char **argv) {
  const char *target_name = "root";
  int keep_env = 0;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *o = argv[i] + 1; *o; o++) {
      if (*o == 'n' || *o == 'H') continue;
      if (*o == 'E') {
        keep_env = 1;
      } else if (*o == 'u') {
        if (o[1]) target_name = o + 1;
        else if (++i < argc) target_name = argv[i];
        else usage();
        break;
      } else {
        fprintf(stderr, "sudo: invalid option -- '%c'\n", *o);
        usage();
      }
    }
  }
  if (i >= argc) usage();

  struct user caller, target;
  unsigned ruid = getuid();
  if (!find_user(NULL, ruid, &caller)) {
    fprintf(stderr, "sudo: you do not exist in the passwd database\n");
    return 1;
  }
  if (ruid != 0 && !in_sudo_group(&caller)) {
    /* sudo asks for a password before it tells a user without a rule anything. */
    fprintf(stderr, "sudo: a password is required\n");
    return 1;
  }
  if (target_name[0] == '#' ? !find_user(NULL, (unsigned)strtoul(target_name + 1, NULL, 10), &target) : !find_user(target_name, 0, &target)) {
    fprintf(stderr, "sudo: unknown user %s\n", target_name);
    return 1;
  }

  gid_t groups[64];
  int ngroups = groups_of(&target, groups, 64);
  if (setgroups((size_t)ngroups, groups) != 0 || setgid(target.gid) != 0 || setuid(target.uid) != 0) {
    perror("sudo: cannot change user");
    return 1;
  }

  char command[1024] = "";
  for (int j = i; j < argc; j++) {
    strncat(command, argv[j], sizeof command - strlen(command) - 2);
    if (j + 1 < argc) strcat(command, " ");
  }
  char uid_s[16], gid_s[16];
  snprintf(uid_s, sizeof uid_s, "%u", caller.uid);
  snprintf(gid_s, sizeof gid_s, "%u", caller.gid);
  if (!keep_env) {
    const char *term = getenv("TERM");
    char term_copy[128] = "";
    if (term) snprintf(term_copy, sizeof term_copy, "%s", term);
    clearenv();
    if (*term_copy) setenv("TERM", term_copy, 1);
    setenv("PATH", SECURE_PATH, 1);
  }
  setenv("HOME", target.home, 1);
  setenv("USER", target.name, 1);
  setenv("LOGNAME", target.name, 1);
  setenv("SHELL", target.shell, 1);
  setenv("SUDO_USER", caller.name, 1);
  setenv("SUDO_UID", uid_s, 1);
  setenv("SUDO_GID", gid_s, 1);
  setenv("SUDO_COMMAND", command, 1);
  execvp(argv[i], argv + i);
  fprintf(stderr, "sudo: %s: command not found\n", argv[i]);
  return 1;
}
