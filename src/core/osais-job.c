/* osais-job.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisJob"

#include <json-glib/json-glib.h>

#include "osais-enums.h"
#include "osais-image.h"
#include "osais-job-images.h"
#include "osais-job.h"

struct _OsaisJob
{
  GObject     parent_instance;

  gint64      uid;
  char       *token;
  char       *engine;
  char       *parameters;
  /* osais_job_get_prompt(): parsed from @parameters when first asked (a
   * gallery tile asks at each bind), then kept; empty_prompt when there is
   * none. Set once, whichever thread asks. */
  char       *prompt;
  OsaisStage  stage;
  int         cycle;
  char       *description;
  gint64      cost;
  char       *error_message;
  GDateTime  *created;
  GDateTime  *updated;
  OsaisJobImages *images;
  guint       announced_images;
  gboolean    stalled;
  gboolean    dismissed;
};

G_DEFINE_FINAL_TYPE (OsaisJob, osais_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UID,
  PROP_TOKEN,
  PROP_ENGINE,
  PROP_PARAMETERS,
  PROP_STAGE,
  PROP_CYCLE,
  PROP_DESCRIPTION,
  PROP_COST,
  PROP_ERROR_MESSAGE,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_IMAGES,
  PROP_ANNOUNCED_IMAGES,
  PROP_FINISHED,
  PROP_STALLED,
  PROP_DISMISSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The prompt of a job that has none: a non-NULL mark for g_once_init_leave(). */
static char empty_prompt[] = "";

static gboolean
stage_is_finished (OsaisStage stage)
{
  return stage == OSAIS_STAGE_FINISHED || stage == OSAIS_STAGE_ERROR;
}

/* Replaces *@str with a copy of @value; FALSE when they were equal already. */
static gboolean
replace_string (char       **str,
                const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;

  g_free (*str);
  *str = g_strdup (value);

  return TRUE;
}

static gboolean
replace_date_time (GDateTime **date_time,
                   GDateTime  *value)
{
  if (*date_time == value ||
      (*date_time != NULL && value != NULL && g_date_time_equal (*date_time, value)))
    return FALSE;

  g_clear_pointer (date_time, g_date_time_unref);
  if (value != NULL)
    *date_time = g_date_time_ref (value);

  return TRUE;
}

static void
osais_job_finalize (GObject *object)
{
  OsaisJob *self = (OsaisJob *)object;

  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->engine, g_free);
  g_clear_pointer (&self->parameters, g_free);
  if (self->prompt != empty_prompt)
    g_free (self->prompt);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->updated, g_date_time_unref);
  g_clear_object (&self->images);

  G_OBJECT_CLASS (osais_job_parent_class)->finalize (object);
}

static void
osais_job_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  OsaisJob *self = OSAIS_JOB (object);

  switch (prop_id)
    {
    case PROP_UID:
      g_value_set_int64 (value, self->uid);
      break;

    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;

    case PROP_ENGINE:
      g_value_set_string (value, self->engine);
      break;

    case PROP_PARAMETERS:
      g_value_set_string (value, self->parameters);
      break;

    case PROP_STAGE:
      g_value_set_enum (value, self->stage);
      break;

    case PROP_CYCLE:
      g_value_set_int (value, self->cycle);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    case PROP_COST:
      g_value_set_int64 (value, self->cost);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_CREATED:
      g_value_set_boxed (value, self->created);
      break;

    case PROP_UPDATED:
      g_value_set_boxed (value, self->updated);
      break;

    case PROP_IMAGES:
      g_value_set_object (value, self->images);
      break;

    case PROP_ANNOUNCED_IMAGES:
      g_value_set_uint (value, self->announced_images);
      break;

    case PROP_FINISHED:
      g_value_set_boolean (value, osais_job_get_finished (self));
      break;

    case PROP_STALLED:
      g_value_set_boolean (value, self->stalled);
      break;

    case PROP_DISMISSED:
      g_value_set_boolean (value, self->dismissed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_job_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  OsaisJob *self = OSAIS_JOB (object);

  switch (prop_id)
    {
    case PROP_UID:
      self->uid = g_value_get_int64 (value);
      break;

    case PROP_TOKEN:
      self->token = g_value_dup_string (value);
      break;

    case PROP_ENGINE:
      self->engine = g_value_dup_string (value);
      break;

    case PROP_PARAMETERS:
      self->parameters = g_value_dup_string (value);
      break;

    case PROP_STAGE:
      osais_job_set_stage (self, g_value_get_enum (value));
      break;

    case PROP_CYCLE:
      osais_job_set_cycle (self, g_value_get_int (value));
      break;

    case PROP_DESCRIPTION:
      osais_job_set_description (self, g_value_get_string (value));
      break;

    case PROP_COST:
      osais_job_set_cost (self, g_value_get_int64 (value));
      break;

    case PROP_ERROR_MESSAGE:
      osais_job_set_error_message (self, g_value_get_string (value));
      break;

    case PROP_CREATED:
      osais_job_set_created (self, g_value_get_boxed (value));
      break;

    case PROP_UPDATED:
      osais_job_set_updated (self, g_value_get_boxed (value));
      break;

    case PROP_ANNOUNCED_IMAGES:
      osais_job_set_announced_images (self, g_value_get_uint (value));
      break;

    case PROP_STALLED:
      osais_job_set_stalled (self, g_value_get_boolean (value));
      break;

    case PROP_DISMISSED:
      osais_job_set_dismissed (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_job_class_init (OsaisJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  GParamFlags rw = (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  GParamFlags ro = (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  object_class->finalize = osais_job_finalize;
  object_class->get_property = osais_job_get_property;
  object_class->set_property = osais_job_set_property;

  properties[PROP_UID] =
    g_param_spec_int64 ("uid", NULL, NULL, G_MININT64, G_MAXINT64, 0, construct);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL, construct);
  properties[PROP_ENGINE] =
    g_param_spec_string ("engine", NULL, NULL, NULL, construct);
  properties[PROP_PARAMETERS] =
    g_param_spec_string ("parameters", NULL, NULL, NULL, construct);
  properties[PROP_STAGE] =
    g_param_spec_enum ("stage", NULL, NULL,
                       OSAIS_TYPE_STAGE, OSAIS_STAGE_REQUEST_SENT, rw);
  properties[PROP_CYCLE] =
    g_param_spec_int ("cycle", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL, rw);
  properties[PROP_COST] =
    g_param_spec_int64 ("cost", NULL, NULL, -1, G_MAXINT64, -1, rw);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, rw);
  properties[PROP_CREATED] =
    g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME, rw);
  properties[PROP_UPDATED] =
    g_param_spec_boxed ("updated", NULL, NULL, G_TYPE_DATE_TIME, rw);
  properties[PROP_IMAGES] =
    g_param_spec_object ("images", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_ANNOUNCED_IMAGES] =
    g_param_spec_uint ("announced-images", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_FINISHED] =
    g_param_spec_boolean ("finished", NULL, NULL, FALSE, ro);
  properties[PROP_STALLED] =
    g_param_spec_boolean ("stalled", NULL, NULL, FALSE, rw);
  properties[PROP_DISMISSED] =
    g_param_spec_boolean ("dismissed", NULL, NULL, FALSE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_job_init (OsaisJob *self)
{
  self->stage = OSAIS_STAGE_REQUEST_SENT;
  self->cost = -1;
  self->images = osais_job_images_new ();
}

gint64
osais_job_get_uid (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), 0);

  return self->uid;
}

const char *
osais_job_get_token (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->token;
}

const char *
osais_job_get_engine (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->engine;
}

const char *
osais_job_get_parameters (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->parameters;
}

static char *
parse_prompt (const char *parameters)
{
  g_autoptr(JsonNode) root = NULL;
  const char *prompt;

  if (parameters == NULL ||
      (root = json_from_string (parameters, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  prompt = json_object_get_string_member_with_default (json_node_get_object (root), "word", NULL);
  return prompt != NULL && *prompt != '\0' ? g_strdup (prompt) : NULL;
}

const char *
osais_job_get_prompt (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  /* The parameters are construct-only, so the prompt never changes. */
  if (g_once_init_enter (&self->prompt))
    {
      char *prompt = parse_prompt (self->parameters);

      g_once_init_leave (&self->prompt, prompt != NULL ? prompt : empty_prompt);
    }

  return self->prompt != empty_prompt ? self->prompt : NULL;
}

char *
osais_job_dup_prompt (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return g_strdup (osais_job_get_prompt (self));
}

OsaisStage
osais_job_get_stage (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), OSAIS_STAGE_REQUEST_SENT);

  return self->stage;
}

void
osais_job_set_stage (OsaisJob   *self,
                     OsaisStage  stage)
{
  gboolean was_finished;

  g_return_if_fail (OSAIS_IS_JOB (self));
  g_return_if_fail (stage >= OSAIS_STAGE_ERROR && stage <= OSAIS_STAGE_FINISHED);

  if (self->stage == stage)
    return;

  was_finished = stage_is_finished (self->stage);
  self->stage = stage;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
  if (was_finished != stage_is_finished (stage))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
}

int
osais_job_get_cycle (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), 0);

  return self->cycle;
}

void
osais_job_set_cycle (OsaisJob *self,
                     int       cycle)
{
  g_return_if_fail (OSAIS_IS_JOB (self));
  g_return_if_fail (cycle >= 0);

  if (self->cycle == cycle)
    return;

  self->cycle = cycle;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CYCLE]);
}

const char *
osais_job_get_description (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->description;
}

void
osais_job_set_description (OsaisJob   *self,
                           const char *description)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  if (replace_string (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

gint64
osais_job_get_cost (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), -1);

  return self->cost;
}

void
osais_job_set_cost (OsaisJob *self,
                    gint64    cost)
{
  g_return_if_fail (OSAIS_IS_JOB (self));
  g_return_if_fail (cost >= -1);

  if (self->cost == cost)
    return;

  self->cost = cost;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
}

const char *
osais_job_get_error_message (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->error_message;
}

void
osais_job_set_error_message (OsaisJob   *self,
                             const char *error_message)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  if (replace_string (&self->error_message, error_message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

GDateTime *
osais_job_get_created (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->created;
}

void
osais_job_set_created (OsaisJob  *self,
                       GDateTime *created)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  if (replace_date_time (&self->created, created))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATED]);
}

GDateTime *
osais_job_get_updated (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return self->updated;
}

void
osais_job_set_updated (OsaisJob  *self,
                       GDateTime *updated)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  if (!replace_date_time (&self->updated, updated))
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
  /* A change is a sign of life: whoever marked the job stalled looks again later. */
  osais_job_set_stalled (self, FALSE);
}

guint
osais_job_get_announced_images (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), 0);

  return self->announced_images;
}

void
osais_job_set_announced_images (OsaisJob *self,
                                guint     announced_images)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  if (self->announced_images == announced_images)
    return;

  self->announced_images = announced_images;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOUNCED_IMAGES]);
}

gboolean
osais_job_get_finished (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);

  return stage_is_finished (self->stage);
}

GListModel *
osais_job_get_images (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);

  return G_LIST_MODEL (self->images);
}

gint64
osais_job_get_image_id (OsaisJob *self,
                        guint     index)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), 0);

  return osais_job_images_get_id (self->images, index);
}

void
osais_job_add_image (OsaisJob   *self,
                     OsaisImage *image)
{
  g_return_if_fail (OSAIS_IS_JOB (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));

  osais_job_images_append (self->images, image);
}

/* A job holds one image per hash (the store's UNIQUE (uid, sha256)). The
 * object itself may differ: the model makes one when asked and lets it go
 * (see osais-job-images.c), and the store's writer makes its own for a job
 * whose state it reads from the database. */
gboolean
osais_job_find_image (OsaisJob   *self,
                      OsaisImage *image,
                      guint      *position)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);
  g_return_val_if_fail (OSAIS_IS_IMAGE (image), FALSE);

  return osais_job_images_find (self->images, osais_image_get_hash (image), position);
}

OsaisImage *
osais_job_dup_image (OsaisJob   *self,
                     const char *hash)
{
  guint position;

  g_return_val_if_fail (OSAIS_IS_JOB (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  if (!osais_job_images_find (self->images, hash, &position))
    return NULL;

  return g_list_model_get_item (G_LIST_MODEL (self->images), position);
}

gboolean
osais_job_set_image_favourite (OsaisJob   *self,
                               const char *hash,
                               gboolean    favourite)
{
  guint position;

  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  if (!osais_job_images_find (self->images, hash, &position))
    return FALSE;

  osais_job_images_set_favourite (self->images, position, favourite);

  return TRUE;
}

gboolean
osais_job_remove_image (OsaisJob   *self,
                        OsaisImage *image)
{
  guint position;

  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);
  g_return_val_if_fail (OSAIS_IS_IMAGE (image), FALSE);

  if (!osais_job_find_image (self, image, &position))
    return FALSE;

  osais_job_images_remove (self->images, position);

  return TRUE;
}

gboolean
osais_job_is_complete (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);

  if (self->stage == OSAIS_STAGE_ERROR)
    return TRUE;

  return (self->stage == OSAIS_STAGE_FINISHED &&
          g_list_model_get_n_items (G_LIST_MODEL (self->images)) >= self->announced_images);
}

gboolean
osais_job_get_stalled (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);

  return self->stalled;
}

void
osais_job_set_stalled (OsaisJob *self,
                       gboolean  stalled)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  stalled = !!stalled;
  if (self->stalled == stalled)
    return;

  self->stalled = stalled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STALLED]);
}

gboolean
osais_job_get_dismissed (OsaisJob *self)
{
  g_return_val_if_fail (OSAIS_IS_JOB (self), FALSE);

  return self->dismissed;
}

void
osais_job_set_dismissed (OsaisJob *self,
                         gboolean  dismissed)
{
  g_return_if_fail (OSAIS_IS_JOB (self));

  dismissed = !!dismissed;
  if (self->dismissed == dismissed)
    return;

  self->dismissed = dismissed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISMISSED]);
}
