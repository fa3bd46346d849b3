"""Channel announcements, personal reminders and schedule changes (issue 3).

- :mod:`bot.announce.plan`: the pure planner (programme + follows + settings + window);
- :mod:`bot.announce.announcer`: :class:`Announcer`, which runs the plan exactly once;
- :mod:`bot.announce.follow_book`: the announcer's follows and unreachable users;
- :mod:`bot.announce.follows`: ``/remind``, ``/reminders``, ``/unremind``, ``/agenda``;
- :mod:`bot.announce.fanout`: the bounded queue and workers that send through each front's
  :class:`bot.outbox.Outbox`;
- :mod:`bot.announce.jobs`: APScheduler jobs and the schedule file watcher;
- :mod:`bot.announce.changes`: what a new ``schedule.yaml`` changes.
"""
