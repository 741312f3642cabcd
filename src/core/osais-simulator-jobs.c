/* osais-simulator-jobs.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fake OSAIS's jobs: each a chain of callbacks to the client (notify,
 * fetch the input, upload each image, finish or fail), on the simulator
 * thread, every answer checked.
 */

#define G_LOG_DOMAIN "OsaisSimulator"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "osais-engine.h"
#include "osais-protocol.h"
#include "osais-simulator-images.h"
#include "osais-simulator-private.h"

void
_osais_simulator_job_free (SimJob *job)
{
  g_assert (job->delay_source == NULL);

  g_free (job->uid);
  g_free (job->token);
  g_free (job->engine);
  g_free (job->username);
  g_free (job->callback_url);
  g_free (job->prompt);
  g_free (job->url_upload);
  g_free (job->error_descr);
  g_clear_pointer (&job->output, g_bytes_unref);
  g_clear_object (&job->message);
  g_clear_object (&job->reply_message);
  g_clear_pointer (&job->reply_data, json_object_unref);
  g_free (job);
}

static gboolean
ack_value_equals (JsonObject *data,
                  const char *name,
                  const char *expected)
{
  g_autofree char *value = osais_json_member_dup_text (data, name);

  return value != NULL && g_str_equal (value, expected);
}

static gboolean
ack_is_good (SoupMessage  *message,
             GBytes       *body,
             const char   *uid,
             const char   *token,
             char        **reason)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  guint status = soup_message_get_status (message);
  JsonNode *data;
  gsize size = 0;
  const char *text = g_bytes_get_data (body, &size);

  if (status != SOUP_STATUS_OK)
    {
      *reason = g_strdup_printf ("HTTP %u", status);
      return FALSE;
    }

  object = osais_protocol_parse_json_object (text, size, &error);
  if (object == NULL)
    {
      *reason = g_strdup_printf ("the body is not a JSON object: %s", error->message);
      return FALSE;
    }

  data = json_object_get_member (object, "data");
  if (json_object_get_size (object) != 1 || data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    {
      *reason = g_strdup ("the body is not exactly {\"data\": {…}}");
      return FALSE;
    }

  if (json_object_get_size (json_node_get_object (data)) != 2
      || !ack_value_equals (json_node_get_object (data), "token", token)
      || !ack_value_equals (json_node_get_object (data), "uid", uid))
    {
      *reason = g_strdup_printf ("data is not exactly {\"token\": \"%s\", \"uid\": \"%s\"}",
                                 token, uid);
      return FALSE;
    }

  return TRUE;
}

/* Jobs: one chain of callbacks each, on the simulator thread */

void
_osais_simulator_job_add_remaining (SimJob *job,
                                    int     delta)
{
  job->remaining += delta;
  g_atomic_int_add (&job->self->pending, delta);
}

/* Answers the AI request that a reply-after-first-ack job kept waiting. */
static void
job_release_reply (SimJob *job)
{
  g_autoptr(SoupServerMessage) msg = g_steal_pointer (&job->reply_message);
  g_autoptr(JsonObject) data = g_steal_pointer (&job->reply_data);

  if (msg == NULL || job->self->stopping)
    return;

  g_debug ("Job %s: answering its request now", job->uid);
  _osais_simulator_reply_data (msg, data);
  soup_server_message_unpause (msg);
}

static void
job_end (SimJob *job)
{
  OsaisSimulator *self = job->self;

  g_debug ("Job %s ended", job->uid);
  job_release_reply (job);
  _osais_simulator_job_add_remaining (job, -job->remaining);
  g_ptr_array_remove_fast (self->jobs, job);
}

static void
job_fail (SimJob     *job,
          const char *descr)
{
  g_debug ("Job %s fails: %s", job->uid, descr);
  g_free (job->error_descr);
  job->error_descr = g_strdup (descr);
  /* Only the stage -1 notification is left to send. */
  _osais_simulator_job_add_remaining (job, 1 - job->remaining);
  job->step = JOB_FAILED;
  _osais_simulator_job_run (job);
}

static gboolean
job_delay_cb (gpointer user_data)
{
  SimJob *job = user_data;

  g_clear_pointer (&job->delay_source, g_source_unref);
  _osais_simulator_job_run (job);

  return G_SOURCE_REMOVE;
}

static void
job_continue (SimJob *job)
{
  if (job->step != JOB_END && job->step_delay > 0
      && !g_cancellable_is_cancelled (job->self->cancellable))
    {
      job->delay_source = g_timeout_source_new (job->step_delay);
      g_source_set_callback (job->delay_source, job_delay_cb, job, NULL);
      g_source_attach (job->delay_source, job->self->context);
    }
  else
    {
      _osais_simulator_job_run (job);
    }
}

static void
job_callback_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SimJob *job = user_data;
  OsaisSimulator *self = job->self;
  g_autoptr(SoupMessage) message = g_steal_pointer (&job->message);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      job->step = JOB_END;
    }
  else
    {
      if (body == NULL)
        reason = g_strdup (error->message);

      if (body != NULL && ack_is_good (message, body, job->uid, job->token, &reason))
        {
          g_atomic_int_inc (&self->acks_good);
        }
      else
        {
          g_debug ("Bad acknowledgement of %s for job %s: %s",
                   g_uri_get_path (soup_message_get_uri (message)), job->uid, reason);
          g_atomic_int_inc (&self->acks_bad);
        }
      job_release_reply (job);
    }

  _osais_simulator_job_add_remaining (job, -1);
  job_continue (job);
}

static void
job_send (SimJob      *job,
          SoupMessage *message)
{
  g_assert (job->message == NULL);

  job->message = message;
  soup_session_send_and_read_async (job->self->session, message, G_PRIORITY_DEFAULT,
                                    job->self->cancellable, job_callback_cb, job);
}

static void
fields_add (GHashTable *fields,
            const char *name,
            const char *value)
{
  g_hash_table_insert (fields, (gpointer) name, g_strdup (value != NULL ? value : ""));
}

static void
job_notify (SimJob     *job,
            OsaisStage  stage,
            const char *descr,
            const char *filename)
{
  OsaisSimulator *self = job->self;
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *url = g_strconcat (job->callback_url, "notify", NULL);
  g_autofree char *stage_text = g_strdup_printf ("%d", stage);
  g_autofree char *cycle_text = g_strdup_printf ("%u", job->cycle);
  SoupMessage *message;
  GHashTableIter iter;
  gpointer name, value;

  fields_add (fields, "uid", job->uid);
  fields_add (fields, "stage", stage_text);
  fields_add (fields, "token", job->token);
  fields_add (fields, "cycle", cycle_text);
  fields_add (fields, "engine", job->engine);
  fields_add (fields, "username", job->username);
  fields_add (fields, "filename", filename);
  fields_add (fields, "descr", descr);
  if (stage == OSAIS_STAGE_FINISHED)
    {
      gint64 cost = (g_get_monotonic_time () - job->start_time) / 1000;

      g_hash_table_insert (fields, (gpointer) "cost",
                           g_strdup_printf ("%" G_GINT64_FORMAT, cost));
    }

  message = soup_message_new (SOUP_METHOD_POST, url);
  if (message == NULL)
    {
      /* Counted like a callback nobody acknowledged, which is what it is. */
      g_debug ("Job %s: cannot post to %s", job->uid, url);
      g_atomic_int_inc (&self->acks_bad);
      _osais_simulator_job_add_remaining (job, -1);
      job_continue (job);
      return;
    }

  /* The protocol leaves the encoding open, so rotate through what express accepts. */
  switch (self->notify_count++ % 3)
    {
    case 0:
      {
        g_autoptr(JsonBuilder) builder = json_builder_new ();
        g_autoptr(JsonNode) root = NULL;
        g_autoptr(GBytes) bytes = NULL;
        char *text;

        json_builder_begin_object (builder);
        g_hash_table_iter_init (&iter, fields);
        while (g_hash_table_iter_next (&iter, &name, &value))
          {
            json_builder_set_member_name (builder, name);
            json_builder_add_string_value (builder, value);
          }
        json_builder_end_object (builder);
        root = json_builder_get_root (builder);
        text = json_to_string (root, FALSE);
        bytes = g_bytes_new_take (text, strlen (text));
        soup_message_set_request_body_from_bytes (message, "application/json", bytes);
      }
      break;

    case 1:
      {
        char *text = soup_form_encode_hash (fields);
        g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

        soup_message_set_request_body_from_bytes (message, SOUP_FORM_MIME_TYPE_URLENCODED, bytes);
      }
      break;

    default:
      {
        g_autoptr(SoupMultipart) multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
        g_autoptr(GBytes) bytes = NULL;

        g_hash_table_iter_init (&iter, fields);
        while (g_hash_table_iter_next (&iter, &name, &value))
          soup_multipart_append_form_string (multipart, name, value);
        soup_multipart_to_message (multipart, soup_message_get_request_headers (message), &bytes);
        soup_message_set_request_body_from_bytes (message, NULL, bytes);
      }
      break;
    }

  g_debug ("Job %s: notify stage %d, cycle %u", job->uid, stage, job->cycle);
  job_send (job, message);
}

static GBytes *
job_make_output (SimJob  *job,
                 GError **error)
{
  if (job->transform != TRANSFORM_NONE)
    return g_bytes_ref (job->output);

  return osais_simulator_render_png (job->prompt, job->seed + job->cycle,
                                     job->width, job->height, error);
}

static void
job_upload (SimJob *job)
{
  static const char * const file_fields[] = { "file", "image", "upload" };
  OsaisSimulator *self = job->self;
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autoptr(GBytes) image = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (job->callback_url, "upload", NULL);
  g_autofree char *cycle_text = g_strdup_printf ("%u", job->cycle);
  g_autofree char *filename = g_strdup_printf ("%s_%u.png", job->uid, job->cycle);
  SoupMessage *message;

  if (!(image = job_make_output (job, &error)))
    {
      g_autofree char *descr = g_strdup_printf ("Cannot make the output: %s", error->message);

      job_fail (job, descr);
      return;
    }

  message = soup_message_new (SOUP_METHOD_POST, url);
  if (message == NULL)
    {
      g_debug ("Job %s: cannot post to %s", job->uid, url);
      g_atomic_int_inc (&self->acks_bad);
      _osais_simulator_job_add_remaining (job, -1);
      job_continue (job);
      return;
    }

  multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  soup_multipart_append_form_string (multipart, "uid", job->uid);
  soup_multipart_append_form_string (multipart, "token", job->token);
  soup_multipart_append_form_string (multipart, "cycle", cycle_text);
  soup_multipart_append_form_string (multipart, "engine", job->engine);
  /* The file field's name is not specified: rotate it to exercise the client's tolerance. */
  soup_multipart_append_form_file (multipart,
                                   file_fields[self->upload_count++ % G_N_ELEMENTS (file_fields)],
                                   filename, "image/png", image);
  soup_multipart_to_message (multipart, soup_message_get_request_headers (message), &body);
  soup_message_set_request_body_from_bytes (message, NULL, body);

  g_debug ("Job %s: upload %s", job->uid, filename);
  job_send (job, message);
}

static void
job_fetch_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SimJob *job = user_data;
  g_autoptr(SoupMessage) message = g_steal_pointer (&job->message);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *descr = NULL;
  guint status;

  input = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (input == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      job->step = JOB_END;
      _osais_simulator_job_run (job);
      return;
    }

  if (input == NULL)
    {
      descr = g_strdup_printf ("Cannot download url_upload: %s", error->message);
      job_fail (job, descr);
      return;
    }

  status = soup_message_get_status (message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      descr = g_strdup_printf ("Cannot download url_upload: HTTP %u %s", status,
                               soup_message_get_reason_phrase (message));
      job_fail (job, descr);
      return;
    }

  if (g_bytes_get_size (input) > MAX_INPUT_BYTES)
    {
      job_fail (job, "Cannot download url_upload: larger than 64 MiB");
      return;
    }

  switch (job->transform)
    {
    case TRANSFORM_COPY:
      job->output = g_steal_pointer (&input);
      break;
    case TRANSFORM_ENHANCE:
      job->output = osais_simulator_enhance_png (input, job->res, &error);
      break;
    case TRANSFORM_REMOVE_BACKGROUND:
      job->output = osais_simulator_remove_background (input, &error);
      break;
    case TRANSFORM_NONE:
    default:
      g_assert_not_reached ();
    }

  if (job->output == NULL)
    {
      descr = g_strdup_printf ("Cannot process the input image: %s", error->message);
      job_fail (job, descr);
      return;
    }

  job->step = JOB_IMAGE_STARTED;
  _osais_simulator_job_run (job);
}

static void
job_fetch (SimJob *job)
{
  SoupMessage *message = NULL;

  if (job->transform == TRANSFORM_NONE)
    {
      job->step = JOB_IMAGE_STARTED;
      _osais_simulator_job_run (job);
      return;
    }

  if (job->url_upload != NULL)
    message = soup_message_new (SOUP_METHOD_GET, job->url_upload);

  if (message == NULL)
    {
      job_fail (job, "Cannot download url_upload: not an http(s) URL");
      return;
    }

  g_debug ("Job %s: fetch %s", job->uid, job->url_upload);
  job->message = message;
  soup_session_send_and_read_async (job->self->session, message, G_PRIORITY_DEFAULT,
                                    job->self->cancellable, job_fetch_cb, job);
}

void
_osais_simulator_job_run (SimJob *job)
{
  if (g_cancellable_is_cancelled (job->self->cancellable))
    job->step = JOB_END;

  switch (job->step)
    {
    case JOB_NOTIFY_SENT:
      job->step = JOB_NOTIFY_RECEIVED;
      job_notify (job, OSAIS_STAGE_REQUEST_SENT, "Request sent to the AI", NULL);
      break;

    case JOB_NOTIFY_RECEIVED:
      job->step = JOB_NOTIFY_STARTED;
      job_notify (job, OSAIS_STAGE_RECEIVED, "Request received by the AI", NULL);
      break;

    case JOB_NOTIFY_STARTED:
      job->step = job->fail ? JOB_FAILED : JOB_FETCH;
      job_notify (job, OSAIS_STAGE_STARTED, "AI started", NULL);
      break;

    case JOB_FETCH:
      job_fetch (job);
      break;

    case JOB_IMAGE_STARTED:
      job->step = JOB_UPLOAD;
      job_notify (job, OSAIS_STAGE_IMAGE_STARTED, "Processing the image", NULL);
      break;

    case JOB_UPLOAD:
      job->step = JOB_IMAGE_DONE;
      job_upload (job);
      break;

    case JOB_IMAGE_DONE:
      {
        g_autofree char *filename = g_strdup_printf ("%s_%u.png", job->uid, job->cycle);

        job->step = job->cycle + 1 < job->cimg ? JOB_IMAGE_STARTED : JOB_FINISHED;
        job_notify (job, OSAIS_STAGE_IMAGE_DONE, "Image done", filename);
        job->cycle++;
      }
      break;

    case JOB_FINISHED:
      job->step = JOB_END;
      job->cycle = 0;
      job_notify (job, OSAIS_STAGE_FINISHED, "AI finished", NULL);
      break;

    case JOB_FAILED:
      job->step = JOB_END;
      job_notify (job, OSAIS_STAGE_ERROR,
                  job->error_descr != NULL ? job->error_descr : "Simulated failure", NULL);
      break;

    case JOB_END:
    default:
      job_end (job);
      break;
    }
}

gboolean
_osais_simulator_job_start_cb (gpointer user_data)
{
  _osais_simulator_job_run (user_data);

  return G_SOURCE_REMOVE;
}
