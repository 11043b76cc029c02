"""Spanish words the staff pages show for stored codes (statuses, channels, SLA states)."""

from __future__ import annotations

STATUS = {
    "recibido": "Sin clasificar",
    "en_revision": "En revisión",
    "clasificado": "Clasificada",
    "en_area": "En el área",
    "respondido_area": "Respondida por el área",
    "respondido": "Respuesta enviada",
    "cerrado": "Cerrada",
    "reabierto": "Reabierta",
}
CHANNEL = {
    "whatsapp": "WhatsApp",
    "buzon": "Buzón físico",
    "presencial": "Presencial",
    "telefono": "Teléfono",
    "correo": "Correo electrónico",
    "web": "Página web",
}
SLA = {
    "a_tiempo": "A tiempo",
    "por_vencer": "Vence hoy o mañana",
    "vencido": "Vencida",
    "cumplido": "Respondida",
}
CRITERIA = {
    "calidad": "Calidad",
    "claridad": "Claridad",
    "precision": "Precisión",
    "idoneidad": "Idoneidad",
    "congruencia": "Congruencia",
}
ROLE = {
    "au": "Atención al Usuario",
    "area": "Área de servicio",
    "trainer": "Entrenamiento",
    "admin": "Administración",
}
ACTION = {
    "filed": "Radicó la solicitud",
    "classify": "Clasificó",
    "reclassify": "Reclasificó",
    "route": "Envió al área",
    "area_answer": "Respondió desde el área",
    "review": "Revisó la respuesta",
    "answer_sent": "Envió la respuesta",
    "template_resent": "Reenvió la plantilla",
    "answer_released": "Envió la respuesta tras la plantilla",
    "resarcimiento": "Registró resarcimiento",
    "close": "Cerró",
    "reopen": "Reabrió",
}
DELIVERY = {
    "pending": "en cola",
    "sending": "enviando",
    "queued": "en cola en Twilio",
    "accepted": "aceptado",
    "sent": "enviado",
    "delivered": "entregado",
    "read": "leído",
    "failed": "FALLÓ",
    "undelivered": "NO ENTREGADO",
    "console": "consola (sin Twilio)",
    "held": "RETENIDO: falta plantilla aprobada",
    "awaiting_reply": "espera que la persona responda a la plantilla",
    "suppressed": "no enviado (BAJA)",
    "processed": "procesado",
    "handoff": "para asesor",
    "stored": "guardado (SMTP sin configurar)",
}
FOLLOWUP = {
    "area_reminder": "Recordatorio al área (día hábil 4)",
    "area_due": "Vence hoy la respuesta del área (día 5)",
    "escalation": "Escalamiento: el área no respondió",
    "au_reminder": "Recordatorio a AU (día hábil 6)",
    "overdue": "Vencida sin respuesta al usuario",
    "survey_held": "Encuesta retenida (sin plantilla aprobada)",
    "answer_undelivered": "La respuesta por WhatsApp no llegó",
}
ALERT = {
    "delivery_failed": "Un mensaje de WhatsApp no se pudo entregar",
}
