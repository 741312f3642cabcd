/* osais-cli-jobs.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `osais jobs` (the stored jobs, searched, as text or JSON) and `osais star`.
 */

#define G_LOG_DOMAIN "OsaisCli"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "osais-cli-private.h"

/* jobs ------------------------------------------------------------------- */

/* Whether @image is among @only (image ids); NULL: every image is. */
static gboolean
image_listed (OsaisImage *image,
              GHashTable *only)
{
  gint64 id = osais_image_get_id (image);

  return only == NULL || g_hash_table_contains (only, &id);
}

/* @only: the ids of the images to list (a search's), or NULL for all. */
static JsonNode *
job_to_json (OsaisJob   *job,
             GHashTable *only)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  GListModel *images = osais_job_get_images (job);
  guint n = g_list_model_get_n_items (images);
  GDateTime *created = osais_job_get_created (job);
  GDateTime *updated = osais_job_get_updated (job);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, osais_job_get_uid (job));
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, osais_job_get_token (job));
  json_builder_set_member_name (builder, "engine");
  json_builder_add_string_value (builder, osais_job_get_engine (job));
  json_builder_set_member_name (builder, "stage");
  json_builder_add_int_value (builder, osais_job_get_stage (job));
  json_builder_set_member_name (builder, "cycle");
  json_builder_add_int_value (builder, osais_job_get_cycle (job));
  /* Stop Waiting in the app: hidden there, listed here only without filters. */
  json_builder_set_member_name (builder, "dismissed");
  json_builder_add_boolean_value (builder, osais_job_get_dismissed (job));
  json_builder_set_member_name (builder, "cost");
  json_builder_add_int_value (builder, osais_job_get_cost (job));
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, osais_job_get_description (job));
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, osais_job_get_error_message (job));
  if (created != NULL)
    {
      g_autofree char *text = g_date_time_format_iso8601 (created);
      json_builder_set_member_name (builder, "created");
      json_builder_add_string_value (builder, text);
    }
  if (updated != NULL)
    {
      g_autofree char *text = g_date_time_format_iso8601 (updated);
      json_builder_set_member_name (builder, "updated");
      json_builder_add_string_value (builder, text);
    }
  json_builder_set_member_name (builder, "parameters");
  if (osais_job_get_parameters (job) != NULL
      && json_parser_load_from_data (parser, osais_job_get_parameters (job), -1, NULL))
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));

      if (image_listed (image, only))
        json_builder_add_string_value (builder, path);
    }
  json_builder_end_array (builder);
  /* Beside "images", in the same order: what `osais star` takes. */
  json_builder_set_member_name (builder, "image_ids");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (image_listed (image, only))
        json_builder_add_int_value (builder, osais_image_get_id (image));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "favourites");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (image_listed (image, only) && osais_image_get_favourite (image))
        json_builder_add_int_value (builder, osais_image_get_id (image));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A day (YYYY-MM-DD, local time) or an ISO 8601 date and time, as Unix
 * microseconds: the day's start, or with @end_of_day the next day's start. */
static gboolean
parse_date (const char *text,
            gboolean    end_of_day,
            gint64     *usec)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) when = NULL;
  int year, month, day;
  char rest;

  if (sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &rest) == 3)
    {
      g_autoptr(GDateTime) start = g_date_time_new (local, year, month, day, 0, 0, 0);

      if (start != NULL)
        when = end_of_day ? g_date_time_add_days (start, 1) : g_date_time_ref (start);
    }
  else
    when = g_date_time_new_from_iso8601 (text, local);

  if (when == NULL)
    return FALSE;
  *usec = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

int
command_jobs (Cli   *cli,
              int    argc,
              char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisSearchResult) found = NULL;
  g_autoptr(GHashTable) only = NULL;
  g_autofree char *text = NULL;
  g_autofree char *engine = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  OsaisSearchQuery query = { 0 };
  gboolean as_json = FALSE;
  gboolean favourites = FALSE;
  gboolean failed = FALSE;
  gboolean running = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL },
    { "search", 0, 0, G_OPTION_ARG_STRING, &text,
      "Only the jobs whose prompt or engine has these words (the last one may be cut short)",
      "TEXT" },
    { "engine", 0, 0, G_OPTION_ARG_STRING, &engine, "Only the jobs of this engine", "ENGINE" },
    { "favourites", 0, 0, G_OPTION_ARG_NONE, &favourites,
      "Only the images starred as favourites (`osais star`)", NULL },
    { "failed", 0, 0, G_OPTION_ARG_NONE, &failed, "Only the jobs that failed", NULL },
    { "running", 0, 0, G_OPTION_ARG_NONE, &running,
      "Only the jobs still running (not those the app stopped waiting for)", NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      "Only the jobs made on or after DATE (YYYY-MM-DD, or an ISO 8601 time)", "DATE" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until,
      "Only the jobs made on or before DATE (YYYY-MM-DD: to the end of that day)", "DATE" },
    { NULL }
  };
  gboolean filtered;
  guint n;

  if (!cli_parse_command_options ("— list the stored jobs, newest first", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      cli_say ("jobs takes no arguments besides its options (--search TEXT finds words)");
      return EXIT_USAGE;
    }
  if ((since != NULL && !parse_date (since, FALSE, &query.since)) ||
      (until != NULL && !parse_date (until, TRUE, &query.until)))
    {
      cli_say ("“%s” is not a date: use YYYY-MM-DD or an ISO 8601 time "
               "(2026-12-06T20:00:00)", since != NULL && query.since == 0 ? since : until);
      return EXIT_USAGE;
    }

  if (!cli_open_store (cli, &error))
    return cli_report_error ("cannot open the history", error);

  filtered = text != NULL || engine != NULL || favourites || failed || running ||
             since != NULL || until != NULL;
  if (filtered)
    {
      query.text = text;
      query.engine = engine;
      query.favourites_only = favourites;
      query.failed_only = failed;
      query.running_only = running;
      osais_store_search_async (cli->store, &query, NULL, search_done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      found = osais_store_search_finish (cli->store, result, &error);
      if (found == NULL)
        return cli_report_error ("cannot search the history", error);
      only = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (guint i = 0; i < found->image_ids->len; i++)
        g_hash_table_add (only, &g_array_index (found->image_ids, gint64, i));
    }

  n = filtered ? found->job_uids->len : g_list_model_get_n_items (G_LIST_MODEL (cli->store));
  if (as_json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (n);
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *json = NULL;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(OsaisJob) job = NULL;

          if (filtered)
            job = g_object_ref (osais_store_lookup (cli->store,
                                                    g_array_index (found->job_uids, gint64, i)));
          else
            job = g_list_model_get_item (G_LIST_MODEL (cli->store), i);
          json_array_add_element (array, job_to_json (job, only));
        }
      json_node_set_array (root, array);
      json = json_to_string (root, TRUE);
      g_print ("%s\n", json);
      return EXIT_OK;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = NULL;
      GListModel *images;
      GDateTime *created;
      g_autofree char *when = NULL;
      guint n_images = 0, n_favourites = 0;

      if (filtered)
        job = g_object_ref (osais_store_lookup (cli->store,
                                                g_array_index (found->job_uids, gint64, i)));
      else
        job = g_list_model_get_item (G_LIST_MODEL (cli->store), i);
      images = osais_job_get_images (job);
      created = osais_job_get_created (job);
      when = created != NULL ? g_date_time_format (created, "%F %T") : NULL;
      for (guint k = 0; k < g_list_model_get_n_items (images); k++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, k);

          if (!image_listed (image, only))
            continue;
          n_images++;
          n_favourites += osais_image_get_favourite (image);
        }

      g_print ("%-12" G_GINT64_FORMAT " %-10s %-18s %2u image(s)  %s", osais_job_get_uid (job),
               osais_job_get_engine (job), osais_stage_to_string (osais_job_get_stage (job)),
               n_images, when != NULL ? when : "");
      if (n_favourites > 0)
        g_print ("  ★ %u", n_favourites);
      g_print ("\n");
    }
  if (filtered)
    cli_say ("%u job(s) and %u image(s) match", found->job_uids->len, found->image_ids->len);
  else if (n == 0)
    cli_say ("no jobs yet: try `osais --simulator run diffusion word=…`");
  return EXIT_OK;
}

/* star ------------------------------------------------------------------- */

/* The image an argument names: its id (`osais jobs --json` lists them) or
 * the path of its file (as `osais run` prints it). Transfer full: a job's
 * model makes its images when asked and holds them weakly. */
static OsaisImage *
find_image (OsaisStore *store,
            const char *arg)
{
  g_autoptr(GFile) file = NULL;
  guint64 id;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  if (g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &id, NULL))
    {
      OsaisImage *image = osais_store_lookup_image (store, (gint64) id);

      return image != NULL ? g_object_ref (image) : NULL;
    }

  file = g_file_new_for_commandline_arg (arg);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (store), i);
      GListModel *images = osais_job_get_images (job);

      for (guint k = 0; k < g_list_model_get_n_items (images); k++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, k);

          if (g_file_equal (osais_image_get_file (image), file))
            return g_steal_pointer (&image);
        }
    }
  return NULL;
}

int
command_star (Cli   *cli,
              int    argc,
              char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean unstar = FALSE;
  GOptionEntry entries[] = {
    { "unstar", 0, 0, G_OPTION_ARG_NONE, &unstar, "Take the star away", NULL },
    { NULL }
  };

  if (!cli_parse_command_options ("IMAGE… — star images as favourites (an id or a path)",
                                  entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      cli_say ("star needs an image: its id (`osais jobs --json` lists them) or its path");
      return EXIT_USAGE;
    }

  if (!cli_open_store (cli, &error))
    return cli_report_error ("cannot open the history", error);

  /* All or nothing: every image is found before any is changed. */
  for (int i = 1; i < argc; i++)
    {
      OsaisImage *image = find_image (cli->store, argv[i]);

      if (image == NULL)
        {
          cli_say ("no image “%s” in the history: give an id from `osais jobs --json` or the "
                   "path of a stored image", argv[i]);
          return EXIT_USAGE;
        }
      g_ptr_array_add (images, image);
    }

  for (guint i = 0; i < images->len; i++)
    {
      OsaisImage *image = g_ptr_array_index (images, i);
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));

      osais_store_set_favourite_async (cli->store, image, !unstar, NULL, search_done_cb,
                                       &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (!osais_store_set_favourite_finish (cli->store, result, &error))
        return cli_report_error ("cannot star the image", error);
      cli_say ("%s %s", unstar ? "unstarred" : "starred", path);
    }
  return EXIT_OK;
}
